//! Presigned URLs of the local backend: `{MM_PUBLIC_URL}/api/storage/<bucket>/<key>?X-Mm-Op=…`
//! carrying an expiry and an HMAC-SHA256 over everything the URL grants, with a key derived
//! from `MM_SECRET_KEY` for this use only. The api role verifies them in constant time.

use crate::storage::{Bucket, PresignedUrl, encode_key};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use secrecy::ExposeSecret;
use std::time::Duration;
use time::OffsetDateTime;

/// Route prefix the URLs point at (served by `web::api::storage_local`).
pub const ROUTE_PREFIX: &str = "/api/storage/";
/// Separates this key from any other use of `MM_SECRET_KEY`.
const KEY_LABEL: &[u8] = b"mm local storage presigned URL key v1";

pub const P_OP: &str = "X-Mm-Op";
pub const P_EXPIRES: &str = "X-Mm-Expires";
pub const P_SIGNATURE: &str = "X-Mm-Signature";
pub const P_CONTENT_TYPE: &str = "X-Mm-Content-Type";
pub const P_SIZE: &str = "X-Mm-Size";
pub const P_DOWNLOAD: &str = "X-Mm-Download";
pub const P_UPLOAD_ID: &str = "uploadId";
pub const P_PART_NUMBER: &str = "partNumber";

/// What a URL lets its holder do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Put,
    Get,
    Part,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Put => "put",
            Op::Get => "get",
            Op::Part => "part",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [Op::Put, Op::Get, Op::Part]
            .into_iter()
            .find(|o| o.as_str() == s)
    }
}

/// Everything one URL grants; all of it is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub op: Op,
    pub bucket: Bucket,
    pub key: String,
    /// Unix seconds after which the URL is refused.
    pub expires: i64,
    pub upload_id: Option<String>,
    pub part_number: Option<u32>,
    /// The Content-Type a PUT must send.
    pub content_type: Option<String>,
    /// The exact body size a PUT must send.
    pub size: Option<u64>,
    /// The file name a GET asks the browser to save as.
    pub download_name: Option<String>,
}

impl Grant {
    pub fn new(op: Op, bucket: Bucket, key: &str) -> Self {
        Self {
            op,
            bucket,
            key: key.to_string(),
            expires: 0,
            upload_id: None,
            part_number: None,
            content_type: None,
            size: None,
            download_name: None,
        }
    }

    /// The signed message: every field length-prefixed, so no two grants share one.
    fn message(&self) -> Vec<u8> {
        let fields: [String; 9] = [
            self.op.as_str().into(),
            self.bucket.as_str().into(),
            self.key.clone(),
            self.expires.to_string(),
            self.upload_id.clone().unwrap_or_default(),
            self.part_number.map(|n| n.to_string()).unwrap_or_default(),
            self.content_type.clone().unwrap_or_default(),
            self.size.map(|n| n.to_string()).unwrap_or_default(),
            self.download_name.clone().unwrap_or_default(),
        ];
        let mut msg = b"mm-local-url-v1\n".to_vec();
        for f in fields {
            msg.extend_from_slice(format!("{}:", f.len()).as_bytes());
            msg.extend_from_slice(f.as_bytes());
            msg.push(b'\n');
        }
        msg
    }
}

/// Why a presigned URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not a URL mm signed (missing or unparsable parameters): 400.
    Malformed(String),
    /// The signature does not cover what the URL asks for: 403.
    BadSignature,
    /// Signed, but past its expiry: 403.
    Expired,
}

pub struct Signer {
    key: hmac::Key,
}

impl Signer {
    pub fn from_config(config: &crate::config::Config) -> Option<Self> {
        config
            .secret_key
            .as_ref()
            .map(|k| Self::new(k.expose_secret()))
    }

    pub fn new(secret: &[u8]) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derived = hmac::sign(&root, KEY_LABEL);
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }
    }

    /// Signs `grant` for `ttl` from now and returns the URL under `public_url`.
    pub fn presign(&self, public_url: &str, grant: Grant, ttl: Duration) -> PresignedUrl {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        self.presign_until(public_url, grant, now + ttl.as_secs().max(1) as i64)
    }

    /// Signs `grant` until the unix time `expires`.
    pub fn presign_until(&self, public_url: &str, mut grant: Grant, expires: i64) -> PresignedUrl {
        grant.expires = expires;
        let sig = URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, &grant.message()).as_ref());
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair(P_OP, grant.op.as_str());
        if let Some(id) = &grant.upload_id {
            q.append_pair(P_UPLOAD_ID, id);
        }
        if let Some(n) = grant.part_number {
            q.append_pair(P_PART_NUMBER, &n.to_string());
        }
        if let Some(ct) = &grant.content_type {
            q.append_pair(P_CONTENT_TYPE, ct);
        }
        if let Some(n) = grant.size {
            q.append_pair(P_SIZE, &n.to_string());
        }
        if let Some(d) = &grant.download_name {
            q.append_pair(P_DOWNLOAD, d);
        }
        q.append_pair(P_EXPIRES, &grant.expires.to_string());
        q.append_pair(P_SIGNATURE, &sig);
        PresignedUrl {
            url: format!(
                "{}{ROUTE_PREFIX}{}/{}?{}",
                public_url.trim_end_matches('/'),
                grant.bucket.as_str(),
                encode_key(&grant.key),
                q.finish()
            ),
            method: if grant.op == Op::Get { "GET" } else { "PUT" },
            expires_at: OffsetDateTime::from_unix_timestamp(grant.expires)
                .unwrap_or_else(|_| OffsetDateTime::now_utc()),
        }
    }

    /// Checks the signature (in constant time), then the expiry against `now`.
    pub fn verify(&self, grant: &Grant, signature: &str, now: i64) -> Result<(), Rejection> {
        let sig = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Rejection::BadSignature)?;
        hmac::verify(&self.key, &grant.message(), &sig).map_err(|_| Rejection::BadSignature)?;
        if now > grant.expires {
            return Err(Rejection::Expired);
        }
        Ok(())
    }
}

/// Reads a grant and its signature from a request: the bucket and the (percent-decoded) key of
/// its path, and its query string. Each parameter may appear at most once.
pub fn parse(bucket: &str, key: &str, query: &str) -> Result<(Grant, String), Rejection> {
    let malformed = |m: &str| Rejection::Malformed(m.to_string());
    let bucket = Bucket::parse(bucket).ok_or_else(|| malformed("unknown bucket"))?;
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(Rejection::Malformed(format!("parameter {k} appears twice")));
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let number = |name: &str| -> Result<Option<u64>, Rejection> {
        get(name)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| Rejection::Malformed(format!("{name} is not a number")))
            })
            .transpose()
    };
    let op = get(P_OP)
        .and_then(|o| Op::parse(&o))
        .ok_or_else(|| malformed("X-Mm-Op is missing or unknown"))?;
    let expires = get(P_EXPIRES)
        .and_then(|e| e.parse::<i64>().ok())
        .ok_or_else(|| malformed("X-Mm-Expires is missing or not a number"))?;
    let signature = get(P_SIGNATURE).ok_or_else(|| malformed("X-Mm-Signature is missing"))?;
    let part_number = match number(P_PART_NUMBER)? {
        Some(n) => Some(u32::try_from(n).map_err(|_| malformed("partNumber is too large"))?),
        None => None,
    };
    let grant = Grant {
        op,
        bucket,
        key: key.to_string(),
        expires,
        upload_id: get(P_UPLOAD_ID),
        part_number,
        content_type: get(P_CONTENT_TYPE),
        size: number(P_SIZE)?,
        download_name: get(P_DOWNLOAD),
    };
    if op == Op::Part && (grant.upload_id.is_none() || grant.part_number.is_none()) {
        return Err(malformed("a part URL needs uploadId and partNumber"));
    }
    Ok((grant, signature))
}

/// Percent-decodes a URL path segment run (no `+` rule: that is for query strings).
pub fn decode_path(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(grant: Grant) -> (Signer, String) {
        let signer = Signer::new(&[7u8; 32]);
        let url = signer
            .presign("http://mm.test", grant, Duration::from_secs(60))
            .url;
        (signer, url)
    }

    fn reparse(url: &str) -> (Grant, String) {
        let rest = url.strip_prefix("http://mm.test/api/storage/").unwrap();
        let (path, query) = rest.split_once('?').unwrap();
        let (bucket, key) = path.split_once('/').unwrap();
        parse(bucket, &decode_path(key).unwrap(), query).unwrap()
    }

    #[test]
    fn a_url_round_trips_and_verifies() {
        let mut g = Grant::new(Op::Part, Bucket::Staging, "up/ä b+c (1).mov");
        g.upload_id = Some("abc".into());
        g.part_number = Some(3);
        g.size = Some(8 << 20);
        let (signer, url) = signed(g);
        let (back, sig) = reparse(&url);
        assert_eq!(back.key, "up/ä b+c (1).mov");
        assert_eq!(back.part_number, Some(3));
        let now = OffsetDateTime::now_utc().unix_timestamp();
        assert_eq!(signer.verify(&back, &sig, now), Ok(()));
        assert_eq!(
            signer.verify(&back, &sig, back.expires + 1),
            Err(Rejection::Expired)
        );
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let (signer, url) = signed(Grant::new(Op::Get, Bucket::Masters, "a/b.mov"));
        let (g, sig) = reparse(&url);
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let variants = [
            Grant {
                op: Op::Put,
                ..g.clone()
            },
            Grant {
                bucket: Bucket::Previews,
                ..g.clone()
            },
            Grant {
                key: "a/c.mov".into(),
                ..g.clone()
            },
            Grant {
                expires: g.expires + 1,
                ..g.clone()
            },
            Grant {
                download_name: Some("x".into()),
                ..g.clone()
            },
            Grant {
                size: Some(1),
                ..g.clone()
            },
        ];
        for v in variants {
            assert_eq!(
                signer.verify(&v, &sig, now),
                Err(Rejection::BadSignature),
                "{v:?}"
            );
        }
        let other = Signer::new(&[8u8; 32]);
        assert_eq!(other.verify(&g, &sig, now), Err(Rejection::BadSignature));
    }

    #[test]
    fn malformed_queries_are_told_apart() {
        assert!(matches!(
            parse("nope", "k", "X-Mm-Op=get"),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            parse(
                "staging",
                "k",
                "X-Mm-Op=get&X-Mm-Op=put&X-Mm-Expires=1&X-Mm-Signature=x"
            ),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            parse(
                "staging",
                "k",
                "X-Mm-Op=part&X-Mm-Expires=1&X-Mm-Signature=x"
            ),
            Err(Rejection::Malformed(_))
        ));
        assert_eq!(decode_path("a%2"), None);
        assert_eq!(decode_path("a%2Fb").as_deref(), Some("a/b"));
    }
}

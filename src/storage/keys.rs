//! Object keys: what a valid key is, and how keys and download names go into URLs and headers.

use super::{MAX_PARTS, Result, StorageError};
use uuid::Uuid;

/// Where one version's previews live in the previews bucket: every `previews/<asset>/<version>`
/// key is built here, so the worker that writes them, the edge paths that are signed and the
/// clean-up that removes them cannot disagree (the `previews/` segment keeps keys
/// self-describing and matches the edge's signed paths).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreviewKey {
    pub asset_id: Uuid,
    pub version_id: Uuid,
}

impl PreviewKey {
    pub fn new(asset_id: Uuid, version_id: Uuid) -> Self {
        Self {
            asset_id,
            version_id,
        }
    }

    /// `previews/<asset>/<version>`, without a trailing slash: what the set is published under.
    pub fn prefix(&self) -> String {
        format!(
            "{}/{}",
            Self::asset_dir(self.asset_id).trim_end_matches('/'),
            self.version_id
        )
    }

    /// `previews/<asset>/chunks/<version>/<run>`: the encoded chunks of one preview run of a
    /// long master (`queue::jobs::chunk`), outside the published set (no edge path reaches
    /// them, publishing never removes them) and under the asset's directory (deleting the
    /// asset removes them).
    pub fn chunks(&self, run: Uuid) -> String {
        format!(
            "{}/chunks/{}/{run}",
            Self::asset_dir(self.asset_id).trim_end_matches('/'),
            self.version_id
        )
    }

    /// `previews/<asset>/<version>/`: the directory a signed edge URL grants.
    pub fn dir(&self) -> String {
        format!("{}/", self.prefix())
    }

    /// `previews/<asset>/`: every version's previews of one asset.
    pub fn asset_dir(asset_id: Uuid) -> String {
        format!("previews/{asset_id}/")
    }
}

/// Percent-encodes a key for a URL path, keeping `/` between segments.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Content-Disposition` asking the browser to save a download as `name` (RFC 6266: an ASCII
/// fallback and the UTF-8 name).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

pub(crate) fn check_part_number(n: u32) -> Result<()> {
    if n == 0 || n > MAX_PARTS {
        return Err(StorageError::InvalidPart(format!(
            "part number {n} is outside 1..={MAX_PARTS}"
        )));
    }
    Ok(())
}

/// Checks a key before it reaches a backend: relative, no `..` or empty segments, no
/// backslashes or control characters, at most 1024 bytes.
pub fn validate_key(key: &str) -> Result<()> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.contains('\\')
        || key.chars().any(|c| c.is_control())
        || key.split('/').any(|seg| seg == ".." || seg == ".")
        || key.contains("//");
    if bad {
        return Err(StorageError::InvalidKey(key.chars().take(200).collect()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_before_any_backend() {
        for ok in ["a", "staging/u/My File (1).mov", "p/ä/x.m4s", "a.b/c..d"] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(1025);
        for bad in [
            "",
            "/abs",
            "../x",
            "a/../b",
            "a/./b",
            "a//b",
            "a\\b",
            "a\0b",
            "a\nb",
            long.as_str(),
        ] {
            assert!(
                matches!(validate_key(bad), Err(StorageError::InvalidKey(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn keys_and_names_are_encoded_for_urls_and_headers() {
        assert_eq!(encode_key("a b/ä+%.mov"), "a%20b/%C3%A4%2B%25.mov");
        assert_eq!(
            content_disposition("Clip \"1\" ä.mov"),
            "attachment; filename=\"Clip _1_ _.mov\"; filename*=UTF-8''Clip%20%221%22%20%C3%A4.mov"
        );
        assert!(check_part_number(1).is_ok() && check_part_number(10_000).is_ok());
        assert!(check_part_number(0).is_err() && check_part_number(10_001).is_err());
    }
}

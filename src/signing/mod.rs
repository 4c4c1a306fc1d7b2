//! Edge URL signing: prefix-scoped tokens (`/s/<token>/<path>`) and the original single-object
//! form (`/s/<path>?exp=&sig=`), HMAC-SHA256 with ring, verified in constant time.

mod legacy;
mod token;
mod url;

pub use token::MAX_TOKEN_CHARS;
pub use url::{DEFAULT_PLAYLIST, SignedUrl};

use crate::config::EdgeKey;
use ring::hmac;
use secrecy::ExposeSecret;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds a token stays valid past its expiry, for clocks that disagree a little.
pub const CLOCK_SKEW_SECS: u64 = 30;

/// Longest granted prefix or object path, in bytes (the storage key limit).
pub const MAX_PATH_BYTES: usize = 1024;

/// What a verified URL allows: one object, or every object under a directory prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The key id that signed it (`legacy` for the original form signed by EDGE_SIGNING_KEY).
    pub kid: String,
    /// Unix seconds after which (plus the skew allowance) the URL stops working.
    pub exp: u64,
    /// `previews/a/b/` grants everything below it; `previews/a/b/x.m4s` only that object.
    pub prefix: String,
}

impl Grant {
    /// Whether `path` (already normalized) lies within the grant. A prefix without a trailing
    /// slash grants only the object of that exact name, so `previews/a` never covers `previews/ab`.
    pub fn allows(&self, path: &str) -> bool {
        if self.prefix.ends_with('/') {
            path.len() > self.prefix.len() && path.starts_with(&self.prefix)
        } else {
            path == self.prefix
        }
    }
}

/// Why a URL did not verify; `reason()` labels the failure metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("The signature token is malformed.")]
    Malformed,
    #[error("The URL was signed with a key this edge does not know.")]
    UnknownKey,
    #[error("The signature does not match.")]
    BadSignature,
    #[error("The link has expired.")]
    Expired,
}

impl VerifyError {
    pub fn reason(self) -> &'static str {
        match self {
            VerifyError::Malformed => "malformed",
            VerifyError::UnknownKey => "unknown-key",
            VerifyError::BadSignature => "bad-signature",
            VerifyError::Expired => "expired",
        }
    }
}

/// Why a grant could not be signed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("no edge signing key is configured (MM_EDGE_KEYS or EDGE_SIGNING_KEY)")]
    NoKey,
    #[error("{0}")]
    InvalidPrefix(&'static str),
}

struct PreparedKey {
    kid: String,
    key: hmac::Key,
}

/// The configured keys, prepared once: the first signs, every one verifies.
pub struct Signer {
    keys: Vec<PreparedKey>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|k| k.kid.as_str()).collect();
        write!(f, "Signer({kids:?})")
    }
}

impl Signer {
    pub fn new(keys: &[EdgeKey]) -> Self {
        Self {
            keys: keys
                .iter()
                .map(|k| PreparedKey {
                    kid: k.kid.clone(),
                    key: hmac::Key::new(hmac::HMAC_SHA256, k.secret.expose_secret()),
                })
                .collect(),
        }
    }

    /// A token granting `prefix` until `exp` (unix seconds), signed with the first key.
    pub fn sign(&self, prefix: &str, exp: u64) -> Result<String, SignError> {
        let key = self.keys.first().ok_or(SignError::NoKey)?;
        check_prefix(prefix)?;
        Ok(token::encode(&key.kid, &key.key, exp, prefix))
    }

    /// Verifies a token at time `now`; constant time in the MAC comparison.
    pub fn verify(&self, token: &str, now: u64) -> Result<Grant, VerifyError> {
        token::decode(token, now, |kid| {
            self.keys
                .iter()
                .find(|k| k.kid.as_bytes() == kid)
                .map(|k| (k.kid.as_str(), &k.key))
        })
    }

    /// Verifies the original form: HMAC over `/s/<path>?exp=<exp>` with any configured key.
    /// `path` is the normalized object path, `exp` and `sig` the query values as sent.
    pub fn verify_legacy(
        &self,
        path: &str,
        exp: &str,
        sig: &str,
        now: u64,
    ) -> Result<Grant, VerifyError> {
        legacy::verify(
            self.keys.iter().map(|k| (k.kid.as_str(), &k.key)),
            path,
            exp,
            sig,
            now,
        )
    }

    /// Signs the original form, for tests and for tools that still emit old links.
    pub fn sign_legacy(&self, path: &str, exp: u64) -> Result<String, SignError> {
        let key = self.keys.first().ok_or(SignError::NoKey)?;
        Ok(legacy::sign(&key.key, path, exp))
    }
}

/// A prefix mm signs: a relative object path or directory (ending in `/`) under `previews/`,
/// already in normal form (no `.`/`..`/empty segments, no backslash, `%` or control
/// characters), so that the edge compares it with normalized request paths byte for byte.
pub fn check_prefix(prefix: &str) -> Result<(), SignError> {
    let body = prefix.strip_suffix('/').unwrap_or(prefix);
    if !prefix.starts_with("previews/") || body == "previews" {
        return Err(SignError::InvalidPrefix(
            "the prefix must lie under previews/",
        ));
    }
    if prefix.len() > MAX_PATH_BYTES {
        return Err(SignError::InvalidPrefix("the prefix is too long"));
    }
    let bad_char = |c: char| c.is_control() || c == '\\' || c == '%';
    if body.chars().any(bad_char) {
        return Err(SignError::InvalidPrefix(
            "the prefix holds a backslash, % or control character",
        ));
    }
    if body
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(SignError::InvalidPrefix(
            "the prefix holds an empty, . or .. segment",
        ));
    }
    Ok(())
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;

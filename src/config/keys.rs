//! Keys from the environment: edge signing keys (`MM_EDGE_KEYS`, `EDGE_SIGNING_KEY`) and the
//! base64 secrets mm decodes, held in types that never print.

use super::{Env, Problem, problem};
use secrecy::SecretBox;
use std::sync::Arc;

/// Secret bytes that never print; cheap to clone.
pub type SecretBytes = Arc<SecretBox<Vec<u8>>>;

pub(super) fn secret_bytes(b: Vec<u8>) -> SecretBytes {
    Arc::new(SecretBox::new(Box::new(b)))
}

/// One edge signing key: an id carried in tokens and at least 32 secret bytes.
#[derive(Clone)]
pub struct EdgeKey {
    pub kid: String,
    pub secret: SecretBytes,
}

impl std::fmt::Debug for EdgeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EdgeKey({}, [REDACTED])", self.kid)
    }
}

/// Decodes a base64 (standard or URL-safe, padded or not) key of at least 32 bytes.
pub fn decode_key(raw: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let raw = raw.trim();
    let bytes = [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(raw).ok())
        .ok_or_else(|| "is not valid base64".to_string())?;
    if bytes.len() < 32 {
        return Err(format!(
            "key has {} bytes; at least 32 are needed",
            bytes.len()
        ));
    }
    Ok(bytes)
}

pub(super) fn parse_edge_keys(env: &Env, p: &mut Vec<Problem>) -> Vec<EdgeKey> {
    let mut keys = Vec::new();
    if let Some(list) = env.var(&["MM_EDGE_KEYS"]) {
        for (i, item) in list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
        {
            let Some((kid, b64)) = item.split_once(':') else {
                p.push(problem(
                    "MM_EDGE_KEYS",
                    format!("entry {} is not `kid:base64key`", i + 1),
                ));
                continue;
            };
            let kid = kid.trim();
            if kid.is_empty()
                || kid.len() > 32
                || !kid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                p.push(problem(
                    "MM_EDGE_KEYS",
                    format!("entry {}: key id must be 1-32 of A-Z a-z 0-9 - _", i + 1),
                ));
                continue;
            }
            if keys.iter().any(|k: &EdgeKey| k.kid == kid) {
                p.push(problem(
                    "MM_EDGE_KEYS",
                    format!("key id {kid:?} appears twice"),
                ));
                continue;
            }
            match decode_key(b64) {
                Ok(secret) => keys.push(EdgeKey {
                    kid: kid.to_string(),
                    secret: secret_bytes(secret),
                }),
                Err(e) => p.push(problem("MM_EDGE_KEYS", format!("key {kid:?} {e}"))),
            }
        }
    }
    if let Some(legacy) = env.var(&["EDGE_SIGNING_KEY"]) {
        // The original deployment used the key's text itself as the HMAC secret.
        if legacy.len() < 32 {
            p.push(problem(
                "EDGE_SIGNING_KEY",
                format!("has {} bytes; at least 32 are needed", legacy.len()),
            ));
        } else {
            keys.push(EdgeKey {
                kid: "legacy".into(),
                secret: secret_bytes(legacy.into_bytes()),
            });
        }
    }
    keys
}

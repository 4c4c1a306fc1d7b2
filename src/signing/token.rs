//! The prefix-scoped token: version, key id, expiry and granted prefix, followed by an
//! HMAC-SHA256 over all of them, in one base64url (unpadded) path segment.
//!
//! Layout: `[1][kid len][kid][exp: u64 big-endian][prefix bytes][32-byte tag]`.

use super::{CLOCK_SKEW_SECS, Grant, VerifyError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

/// Longest token accepted before decoding: a 1 KiB prefix plus the fixed fields fits.
pub const MAX_TOKEN_CHARS: usize = 1600;

const VERSION: u8 = 1;
const TAG_LEN: usize = 32;
/// Version, kid length, a one-byte kid, the expiry and a one-byte prefix.
const MIN_MSG_LEN: usize = 1 + 1 + 1 + 8 + 1;

pub(super) fn encode(kid: &str, key: &hmac::Key, exp: u64, prefix: &str) -> String {
    let mut msg = Vec::with_capacity(MIN_MSG_LEN + kid.len() + prefix.len() + TAG_LEN);
    msg.push(VERSION);
    // Key ids are at most 32 characters (config checks it), so the length fits one byte.
    msg.push(kid.len() as u8);
    msg.extend_from_slice(kid.as_bytes());
    msg.extend_from_slice(&exp.to_be_bytes());
    msg.extend_from_slice(prefix.as_bytes());
    let tag = hmac::sign(key, &msg);
    msg.extend_from_slice(tag.as_ref());
    URL_SAFE_NO_PAD.encode(msg)
}

/// Decodes and verifies; `lookup` finds the key for a key id. The MAC is checked with
/// `ring::hmac::verify` (constant time) before the expiry, so a forged token is always
/// reported as a bad signature rather than revealing anything about its claims.
pub(super) fn decode<'k>(
    token: &str,
    now: u64,
    lookup: impl Fn(&[u8]) -> Option<(&'k str, &'k hmac::Key)>,
) -> Result<Grant, VerifyError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(VerifyError::Malformed);
    }
    // Decoded into the stack: verification allocates only the grant it returns.
    let mut buf = [0u8; MAX_TOKEN_CHARS / 4 * 3 + 3];
    let n = URL_SAFE_NO_PAD
        .decode_slice(token, &mut buf)
        .map_err(|_| VerifyError::Malformed)?;
    let raw = &buf[..n];
    if raw.len() < MIN_MSG_LEN + TAG_LEN {
        return Err(VerifyError::Malformed);
    }
    let (msg, tag) = raw.split_at(raw.len() - TAG_LEN);
    let kid_len = msg[1] as usize;
    if msg[0] != VERSION || kid_len == 0 || msg.len() < MIN_MSG_LEN - 1 + kid_len {
        return Err(VerifyError::Malformed);
    }
    let kid = &msg[2..2 + kid_len];
    let mut exp = [0u8; 8];
    exp.copy_from_slice(&msg[2 + kid_len..10 + kid_len]);
    let exp = u64::from_be_bytes(exp);
    let prefix = &msg[10 + kid_len..];
    let (kid, key) = lookup(kid).ok_or(VerifyError::UnknownKey)?;
    hmac::verify(key, msg, tag).map_err(|_| VerifyError::BadSignature)?;
    if now > exp.saturating_add(CLOCK_SKEW_SECS) {
        return Err(VerifyError::Expired);
    }
    // Only mm signs tokens and it signs UTF-8 prefixes; the check costs nothing.
    let prefix = std::str::from_utf8(prefix).map_err(|_| VerifyError::Malformed)?;
    Ok(Grant {
        kid: kid.to_string(),
        exp,
        prefix: prefix.to_string(),
    })
}

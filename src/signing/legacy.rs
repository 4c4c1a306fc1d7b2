//! The original single-object form, so links from the old system keep working:
//! `/s/<path>?exp=<unix>&sig=<hex>`, with `sig` = HMAC-SHA256 over `/s/<path>?exp=<unix>`.

use super::{CLOCK_SKEW_SECS, Grant, VerifyError};
use ring::hmac;

fn message(path: &str, exp: &str) -> String {
    format!("/s/{path}?exp={exp}")
}

/// The query string (`exp=..&sig=..`) for `path`, signed with `key`.
pub(super) fn sign(key: &hmac::Key, path: &str, exp: u64) -> String {
    let exp = exp.to_string();
    let tag = hmac::sign(key, message(path, &exp).as_bytes());
    format!("exp={exp}&sig={}", hex::encode(tag.as_ref()))
}

/// Verifies against every key in turn (the old system had one; any configured key may have
/// signed it). Each comparison is constant time.
pub(super) fn verify<'k>(
    keys: impl Iterator<Item = (&'k str, &'k hmac::Key)>,
    path: &str,
    exp: &str,
    sig: &str,
    now: u64,
) -> Result<Grant, VerifyError> {
    if exp.is_empty() || exp.len() > 20 || !exp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::Malformed);
    }
    let exp_secs: u64 = exp.parse().map_err(|_| VerifyError::Malformed)?;
    let mut tag = [0u8; 32];
    if sig.len() != 64 || hex::decode_to_slice(sig, &mut tag).is_err() {
        return Err(VerifyError::Malformed);
    }
    let msg = message(path, exp);
    let kid = keys
        .into_iter()
        .find(|(_, key)| hmac::verify(key, msg.as_bytes(), &tag).is_ok())
        .map(|(kid, _)| kid)
        .ok_or(VerifyError::BadSignature)?;
    if now > exp_secs.saturating_add(CLOCK_SKEW_SECS) {
        return Err(VerifyError::Expired);
    }
    Ok(Grant {
        kid: kid.to_string(),
        exp: exp_secs,
        prefix: path.to_string(),
    })
}

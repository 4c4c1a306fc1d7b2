//! Signed webhooks: the events mm emits, their Standard Webhooks signature, the endpoints
//! admins register, and the SSRF guard every delivery goes through.
//!
//! An event is written to the outbox (`webhook_events`, one `webhook_deliveries` row and one
//! queued job per subscribed endpoint) inside the transaction of the change it reports, so a
//! crash never loses one; the `webhook_delivery` job sends it, retrying with the queue's
//! backoff.

pub mod deliver;
pub mod endpoints;
pub mod events;
pub mod guard;
pub mod sweep;

pub use events::{Actor, Emit, emit};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Every event an endpoint may ask for.
pub const EVENTS: &[&str] = &[
    "upload.completed",
    "asset.ready",
    "asset.failed",
    "asset.deleted",
    "comment.created",
    "review.decided",
];

const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 random bytes in standard base64.
pub fn new_secret() -> anyhow::Result<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`
/// under the secret's decoded key (Standard Webhooks).
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let raw = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD
        .decode(raw)
        .map_err(|e| anyhow::anyhow!("the endpoint's secret is not base64: {e}"))?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(msg_id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    Ok(format!("v1,{}", STANDARD.encode(ctx.sign().as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_specifications_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let sig = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let s = new_secret().unwrap();
        assert!(s.starts_with("whsec_") && s.len() == 6 + 44, "{s}");
        assert_ne!(s, new_secret().unwrap());
    }
}

//! Password attempts on a share link, throttled like sign-in: the sign-in limiter per link and
//! client address (growing waits) and per address (a window shared with sign-ins), plus a
//! window per link across every address, so many addresses cannot guess one link's password.

use crate::auth::rate_limit;
use crate::error::AppError;
use crate::state::AppState;
use uuid::Uuid;

/// Failed attempts on one link, from anywhere, per window.
pub const MAX_PER_LINK: u64 = 50;
pub const LINK_WINDOW_SECS: u64 = 15 * 60;

fn link_key(state: &AppState, share_id: Uuid) -> String {
    state.redis.key(&format!("ratelimit:share:{share_id}"))
}

/// The name the sign-in limiter keys this link by (never an account's email).
fn account(share_id: Uuid) -> String {
    format!("share-link:{share_id}")
}

/// Counts an attempt; 429 with `Retry-After` when over a limit.
pub async fn attempt(state: &AppState, share_id: Uuid, ip: Option<&str>) -> Result<(), AppError> {
    let key = link_key(state, share_id);
    let (count, ttl): (String, i64) = state
        .redis
        .query(
            redis::cmd("EVAL")
                .arg("return {redis.call('GET', KEYS[1]) or '0', redis.call('TTL', KEYS[1])}")
                .arg(1)
                .arg(&key),
        )
        .await?;
    if count.parse::<u64>().unwrap_or(0) >= MAX_PER_LINK {
        let wait = ttl.max(1) as u64;
        return Err(AppError::TooManyRequests {
            retry_after: wait,
            message: format!(
                "Too many wrong passwords for this link; try again in {} minutes.",
                wait.div_ceil(60)
            ),
        });
    }
    rate_limit::login_attempt(&state.redis, &state.config.auth, &account(share_id), ip).await
}

/// A wrong password: counts against the link.
pub async fn failed(state: &AppState, share_id: Uuid) {
    let key = link_key(state, share_id);
    let r: Result<i64, _> = state
        .redis
        .query(
            redis::cmd("EVAL")
                .arg("local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n")
                .arg(1)
                .arg(&key)
                .arg(LINK_WINDOW_SECS),
        )
        .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not count a wrong share password");
    }
}

/// The right password: this address's failures on the link are forgiven.
pub async fn succeeded(state: &AppState, share_id: Uuid, ip: Option<&str>) {
    rate_limit::login_succeeded(&state.redis, &state.config.auth, &account(share_id), ip).await;
}

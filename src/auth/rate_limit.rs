//! Login rate limits, per account and per client address, as fixed windows in Redis (so every
//! api instance shares them). Over the limit: 429 with `Retry-After`.

use crate::auth::sha256;
use crate::config::AuthConfig;
use crate::error::AppError;
use crate::redis_pool::{Redis, RedisError};

/// One counter: its key, how many hits it allows, and its window.
struct Limit {
    key: String,
    max: u64,
    window: u64,
}

/// Counts a hit; returns (hits in this window, seconds until the window ends).
async fn hit(redis: &Redis, l: &Limit) -> Result<(u64, u64), RedisError> {
    let mut conn = redis.conn().await?;
    // SET NX starts the window with its expiry; INCR counts; both in one round trip and
    // atomic, so a crash can never leave a counter without an expiry.
    let pipe = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg(&l.key)
        .arg(0)
        .arg("EX")
        .arg(l.window)
        .arg("NX")
        .ignore()
        .cmd("INCR")
        .arg(&l.key)
        .cmd("TTL")
        .arg(&l.key)
        .clone();
    let fut = pipe.query_async::<(u64, i64)>(&mut conn);
    let (count, ttl) = tokio::time::timeout(std::time::Duration::from_secs(5), fut)
        .await
        .map_err(|_| RedisError::Timeout)??;
    Ok((count, ttl.max(1) as u64))
}

fn limits(redis: &Redis, cfg: &AuthConfig, email: &str, ip: Option<&str>) -> Vec<Limit> {
    // The email is hashed so keys hold no personal data and no odd characters.
    let account = hex::encode(&sha256(email.as_bytes())[..16]);
    let mut v = vec![Limit {
        key: redis.key(&format!("ratelimit:login:account:{account}")),
        max: cfg.login_max_per_account,
        window: cfg.login_window_secs,
    }];
    if let Some(ip) = ip {
        v.push(Limit {
            key: redis.key(&format!("ratelimit:login:ip:{ip}")),
            max: cfg.login_max_per_ip,
            window: cfg.login_window_secs,
        });
    }
    v
}

/// Counts a login attempt for `email` from `ip`; refuses it once either counter is past its
/// limit. Counted before the password is checked, so parallel guesses cannot slip through.
pub async fn login_attempt(
    redis: &Redis,
    cfg: &AuthConfig,
    email: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let mut wait = 0;
    for l in limits(redis, cfg, email, ip) {
        let (count, ttl) = hit(redis, &l).await?;
        if count > l.max {
            wait = wait.max(ttl);
        }
    }
    if wait > 0 {
        return Err(AppError::TooManyRequests {
            retry_after: wait,
            message: format!("Too many login attempts; try again in {}.", human(wait)),
        });
    }
    Ok(())
}

/// After a successful login: the account's failures are forgiven, and the address's counter
/// takes back this attempt, so it counts failures only (an office behind one address can
/// sign everyone in).
pub async fn login_succeeded(redis: &Redis, cfg: &AuthConfig, email: &str, ip: Option<&str>) {
    let ls = limits(redis, cfg, email, ip);
    let mut cmd = redis::pipe();
    cmd.cmd("DEL").arg(&ls[0].key).ignore();
    if let Some(l) = ls.get(1) {
        // Only while the window lives: a DECR after expiry would leave a key with no TTL.
        cmd.cmd("EVAL")
            .arg("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end")
            .arg(1)
            .arg(&l.key)
            .ignore();
    }
    if let Ok(mut conn) = redis.conn().await {
        let r: Result<(), _> = cmd.query_async(&mut conn).await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not reset login counters");
        }
    }
}

fn human(secs: u64) -> String {
    match secs {
        0..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn waits_read_naturally() {
        assert_eq!(super::human(30), "30 seconds");
        assert_eq!(super::human(600), "10 minutes");
    }
}

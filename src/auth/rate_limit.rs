//! Login throttling in Redis (so every api instance shares it): growing delays per account
//! and client address together, and a fixed window per client address. Over either: 429 with
//! `Retry-After`. Nothing locks an account for its owner signing in from elsewhere.

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

/// First wait once an account and address pair has used its free attempts; it doubles with
/// every further attempt, up to `MAX_DELAY`.
const FIRST_DELAY: u64 = 5;
const MAX_DELAY: u64 = 15 * 60;

/// Counts an attempt of one account from one address and returns `(0, wait)` when it must
/// wait, else `(1, delay set for the next attempt)`. Atomic, so parallel guesses queue too.
const PAIR_SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local until_ts = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ts > now then return {0, until_ts - now} end
local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
local free = tonumber(ARGV[2])
local delay = 0
if fails >= free then
  delay = math.floor(math.min(tonumber(ARGV[3]) * 2 ^ (fails - free), tonumber(ARGV[4])))
end
redis.call('HSET', KEYS[1], 'until', now + delay)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return {1, delay}
";

/// The key of the pair `email` (hashed, so keys hold no personal data) and client address.
fn pair_key(redis: &Redis, email: &str, ip: Option<&str>) -> String {
    let account = hex::encode(&sha256(email.as_bytes())[..16]);
    let addr = hex::encode(&sha256(ip.unwrap_or("-").as_bytes())[..8]);
    redis.key(&format!("ratelimit:login:pair:{account}:{addr}"))
}

fn ip_limit(redis: &Redis, cfg: &AuthConfig, ip: Option<&str>) -> Option<Limit> {
    ip.map(|ip| Limit {
        key: redis.key(&format!("ratelimit:login:ip:{ip}")),
        max: cfg.login_max_per_ip,
        window: cfg.login_window_secs,
    })
}

/// Counts a login attempt for `email` from `ip`. Counted before the password is checked, so
/// parallel guesses cannot slip through.
///
/// One account from one address gets `MM_LOGIN_MAX_PER_ACCOUNT` free failures, then waits
/// 5 s before the next attempt, doubling each time up to 15 min; the same account from
/// another address (its owner) is not slowed. One address gets `MM_LOGIN_MAX_PER_IP` failures
/// per window across all accounts. No limit locks an account for everyone.
pub async fn login_attempt(
    redis: &Redis,
    cfg: &AuthConfig,
    email: &str,
    ip: Option<&str>,
) -> Result<(), AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let keep = cfg.login_window_secs.max(2 * MAX_DELAY);
    let script = redis::Script::new(PAIR_SCRIPT);
    let mut invocation = script.key(pair_key(redis, email, ip));
    invocation
        .arg(now)
        .arg(cfg.login_max_per_account)
        .arg(FIRST_DELAY)
        .arg(MAX_DELAY)
        .arg(keep);
    let mut conn = redis.conn().await?;
    let fut = invocation.invoke_async::<(i64, i64)>(&mut conn);
    let (allowed, secs) = tokio::time::timeout(std::time::Duration::from_secs(5), fut)
        .await
        .map_err(|_| RedisError::Timeout)?
        .map_err(RedisError::from)?;
    drop(conn);
    let mut wait = if allowed == 0 { secs.max(1) as u64 } else { 0 };
    if let Some(l) = ip_limit(redis, cfg, ip) {
        let (count, ttl) = hit(redis, &l).await?;
        if count > l.max {
            wait = wait.max(ttl);
        }
    }
    if wait > 0 {
        return Err(AppError::TooManyRequests {
            retry_after: wait,
            message: format!(
                "Too many failed sign-ins for this account from this address; try again in {}.",
                human(wait)
            ),
        });
    }
    Ok(())
}

/// After a successful login: the pair's failures are forgiven, and the address's counter
/// takes back this attempt, so it counts failures only (an office behind one address can
/// sign everyone in).
pub async fn login_succeeded(redis: &Redis, cfg: &AuthConfig, email: &str, ip: Option<&str>) {
    let mut cmd = redis::pipe();
    cmd.cmd("DEL").arg(pair_key(redis, email, ip)).ignore();
    if let Some(l) = ip_limit(redis, cfg, ip) {
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

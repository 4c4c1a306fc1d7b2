//! Account settings: session lifetimes, login rate limits, password hashing cost, and where the
//! client address comes from behind a proxy.

use super::{Env, Problem, Secs};

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `MM_SESSION_IDLE`, default 12h: a session unused this long ends.
    pub session_idle_secs: u64,
    /// `MM_SESSION_TTL`, default 14d: a session ends this long after login, used or not.
    pub session_ttl_secs: u64,
    /// Derived from `MM_PUBLIC_URL`: cookies are `Secure` when it is https.
    pub cookie_secure: bool,
    /// `MM_LOGIN_MAX_PER_ACCOUNT`, default 10: failed logins of one account from one client
    /// address before each further attempt waits (5 s, doubling up to 15 min).
    pub login_max_per_account: u64,
    /// `MM_LOGIN_MAX_PER_IP`, default 30: failed logins per client address per window.
    pub login_max_per_ip: u64,
    /// `MM_LOGIN_WINDOW`, default 15m: the window the per-address limit counts over.
    pub login_window_secs: u64,
    /// `MM_CLIENT_IP_HEADER`: a header the proxy in front sets to the client's address
    /// (`do-connecting-ip` on App Platform, or `x-forwarded-for`, whose last entry is used).
    /// Unset: the TCP peer address, since any client can forge such headers.
    pub client_ip_header: Option<String>,
    /// `MM_ARGON2_MEMORY_KIB`, default 19456 (the OWASP minimum, which is also the floor):
    /// argon2id memory cost of new password hashes; time cost 2, one lane.
    pub argon2_memory_kib: u32,
    /// `MM_TOKEN_MAX_TTL`, default 365d: the longest life an API token may be given.
    pub token_max_ttl_secs: u64,
}

/// OWASP's minimum argon2id configuration: 19 MiB, two passes, one lane.
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19_456;

impl AuthConfig {
    pub fn from_env(env: &Env, public_url: &str, p: &mut Vec<Problem>) -> Self {
        let idle: Secs = env.parsed(&["MM_SESSION_IDLE"], Secs(12 * 3600), p);
        let ttl: Secs = env.parsed(&["MM_SESSION_TTL"], Secs(14 * 86_400), p);
        let window: Secs = env.parsed(&["MM_LOGIN_WINDOW"], Secs(15 * 60), p);
        let token_ttl: Secs = env.parsed(&["MM_TOKEN_MAX_TTL"], Secs(365 * 86_400), p);
        let cfg = AuthConfig {
            session_idle_secs: idle.0,
            session_ttl_secs: ttl.0,
            cookie_secure: public_url.starts_with("https://"),
            login_max_per_account: env.parsed(&["MM_LOGIN_MAX_PER_ACCOUNT"], 10, p),
            login_max_per_ip: env.parsed(&["MM_LOGIN_MAX_PER_IP"], 30, p),
            login_window_secs: window.0,
            client_ip_header: env
                .var(&["MM_CLIENT_IP_HEADER"])
                .map(|h| h.to_ascii_lowercase()),
            argon2_memory_kib: env.parsed(&["MM_ARGON2_MEMORY_KIB"], ARGON2_MIN_MEMORY_KIB, p),
            token_max_ttl_secs: token_ttl.0,
        };
        let mut bad = |key: &str, message: &str| {
            p.push(Problem {
                key: key.into(),
                message: message.into(),
            })
        };
        if cfg.session_idle_secs < 60 {
            bad("MM_SESSION_IDLE", "must be at least 1m");
        }
        if cfg.session_ttl_secs < cfg.session_idle_secs {
            bad("MM_SESSION_TTL", "must be at least MM_SESSION_IDLE");
        }
        if cfg.login_max_per_account == 0 {
            bad("MM_LOGIN_MAX_PER_ACCOUNT", "must be at least 1");
        }
        if cfg.login_max_per_ip == 0 {
            bad("MM_LOGIN_MAX_PER_IP", "must be at least 1");
        }
        if cfg.login_window_secs == 0 {
            bad("MM_LOGIN_WINDOW", "must be at least 1s");
        }
        if cfg.argon2_memory_kib < ARGON2_MIN_MEMORY_KIB {
            bad(
                "MM_ARGON2_MEMORY_KIB",
                "must be at least 19456 (the OWASP minimum for argon2id)",
            );
        }
        if cfg.token_max_ttl_secs < 86_400 {
            bad("MM_TOKEN_MAX_TTL", "must be at least 1d");
        }
        if let Some(h) = &cfg.client_ip_header
            && actix_web::http::header::HeaderName::from_bytes(h.as_bytes()).is_err()
        {
            bad("MM_CLIENT_IP_HEADER", "is not a valid header name");
        }
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let mut p = vec![];
        let c = AuthConfig::from_env(&Env::default(), "http://x", &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.session_idle_secs, 12 * 3600);
        assert_eq!(c.session_ttl_secs, 14 * 86_400);
        assert!(!c.cookie_secure);

        let env = Env::from_pairs([
            ("MM_SESSION_IDLE", "2d"),
            ("MM_SESSION_TTL", "1d"),
            ("MM_ARGON2_MEMORY_KIB", "4096"),
        ]);
        let c = AuthConfig::from_env(&env, "https://mm.example.com", &mut p);
        assert!(c.cookie_secure);
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["MM_SESSION_TTL", "MM_ARGON2_MEMORY_KIB"]);
    }
}

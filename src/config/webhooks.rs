//! Webhook delivery settings: the timeout, the private-address guard, when to give up on an
//! endpoint.

use super::{Env, Problem, Secs};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct WebhooksConfig {
    /// `MM_WEBHOOK_TIMEOUT`, default 10s: the longest one delivery attempt may take (connect,
    /// send, answer); a slower endpoint counts as failed and is retried.
    pub timeout: Duration,
    /// `MM_WEBHOOK_ALLOW_PRIVATE`, default false: allow endpoints on loopback, private,
    /// link-local and other non-public addresses (for tests and closed networks).
    pub allow_private: bool,
    /// `MM_WEBHOOK_DISABLE_AFTER`, default 3d: an endpoint whose every delivery failed for this
    /// long is disabled, with the reason shown.
    pub disable_after: Duration,
    /// `MM_WEBHOOK_MAX_ATTEMPTS`, default 8: attempts per delivery (with the job backoff between
    /// them) before it counts as failed.
    pub max_attempts: i32,
}

impl WebhooksConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let cfg = WebhooksConfig {
            timeout: Duration::from_secs(env.parsed(&["MM_WEBHOOK_TIMEOUT"], Secs(10), p).0),
            allow_private: env.flag(&["MM_WEBHOOK_ALLOW_PRIVATE"], false, p),
            disable_after: Duration::from_secs(
                env.parsed(&["MM_WEBHOOK_DISABLE_AFTER"], Secs(3 * 86_400), p)
                    .0,
            ),
            max_attempts: env.parsed(&["MM_WEBHOOK_MAX_ATTEMPTS"], 8, p),
        };
        if cfg.timeout.is_zero() || cfg.timeout > Duration::from_secs(300) {
            p.push(Problem {
                key: "MM_WEBHOOK_TIMEOUT".into(),
                message: "must be between 1s and 5m".into(),
            });
        }
        if !(1..=50).contains(&cfg.max_attempts) {
            p.push(Problem {
                key: "MM_WEBHOOK_MAX_ATTEMPTS".into(),
                message: "must be between 1 and 50".into(),
            });
        }
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let mut p = vec![];
        let c = WebhooksConfig::from_env(&Env::default(), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert!(!c.allow_private);
        assert_eq!(c.disable_after, Duration::from_secs(259_200));
        let env = Env::from_pairs([
            ("MM_WEBHOOK_TIMEOUT", "0"),
            ("MM_WEBHOOK_ALLOW_PRIVATE", "true"),
        ]);
        let c = WebhooksConfig::from_env(&env, &mut p);
        assert!(c.allow_private);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "MM_WEBHOOK_TIMEOUT");
    }
}

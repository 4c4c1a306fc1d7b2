//! Job system settings: heartbeats, the visibility timeout, retries and the reconciler.

use super::{Env, Problem, Secs};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct JobsConfig {
    /// `MM_JOB_HEARTBEAT`, default 5s: how often a running job stamps its row and stream entry.
    pub heartbeat: Duration,
    /// `MM_JOB_VISIBILITY_TIMEOUT`, default 60s: a job whose worker has not beaten for this
    /// long is taken back (XAUTOCLAIM of its entry, or the reconciler re-queues its row).
    pub visibility_timeout: Duration,
    /// `MM_JOB_RECONCILE_INTERVAL`, default 30s: how often PostgreSQL and the stream are compared.
    pub reconcile_interval: Duration,
    /// `MM_JOB_BACKOFF_BASE`, default 10s: the wait before the second attempt; doubles per attempt.
    pub backoff_base: Duration,
    /// `MM_JOB_BACKOFF_MAX`, default 1h: the longest wait between two attempts.
    pub backoff_max: Duration,
    /// `MM_JOB_MAX_ATTEMPTS`, default 5: attempts before a job is dead (a kind may ask for fewer).
    pub max_attempts: i32,
}

impl JobsConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let secs = |keys: &[&str], default: u64, p: &mut Vec<Problem>| {
            Duration::from_secs(env.parsed(keys, Secs(default), p).0)
        };
        let cfg = JobsConfig {
            heartbeat: secs(&["MM_JOB_HEARTBEAT"], 5, p),
            visibility_timeout: secs(&["MM_JOB_VISIBILITY_TIMEOUT"], 60, p),
            reconcile_interval: secs(&["MM_JOB_RECONCILE_INTERVAL"], 30, p),
            backoff_base: secs(&["MM_JOB_BACKOFF_BASE"], 10, p),
            backoff_max: secs(&["MM_JOB_BACKOFF_MAX"], 3600, p),
            max_attempts: env.parsed(&["MM_JOB_MAX_ATTEMPTS"], 5, p),
        };
        let mut bad = |key: &str, message: &str| {
            p.push(Problem {
                key: key.into(),
                message: message.into(),
            })
        };
        if cfg.heartbeat.is_zero() {
            bad("MM_JOB_HEARTBEAT", "must be at least 1s");
        }
        // Two missed beats must not be enough to lose a job to another worker.
        if cfg.visibility_timeout < cfg.heartbeat * 2 {
            bad(
                "MM_JOB_VISIBILITY_TIMEOUT",
                "must be at least twice MM_JOB_HEARTBEAT",
            );
        }
        if cfg.reconcile_interval.is_zero() {
            bad("MM_JOB_RECONCILE_INTERVAL", "must be at least 1s");
        }
        if cfg.max_attempts < 1 {
            bad("MM_JOB_MAX_ATTEMPTS", "must be at least 1");
        }
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_cross_checks() {
        let mut p = vec![];
        let c = JobsConfig::from_env(&Env::default(), &mut p);
        assert!(p.is_empty());
        assert_eq!(c.visibility_timeout, Duration::from_secs(60));
        let env = Env::from_pairs([
            ("MM_JOB_HEARTBEAT", "10"),
            ("MM_JOB_VISIBILITY_TIMEOUT", "15s"),
        ]);
        JobsConfig::from_env(&env, &mut p);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "MM_JOB_VISIBILITY_TIMEOUT");
    }
}

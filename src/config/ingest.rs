//! Ingest settings: upload limits, multipart sizing, upload expiry and masters retention.

use super::{ByteSize, Env, Problem, Secs};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Object Lock retention for a master (`MM_MASTERS_LOCK_MODE`), as storage applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockMode {
    Governance,
    Compliance,
}

/// The smallest part mm hands out; S3 itself needs 5 MiB for every part but the last.
pub const MIN_PART_SIZE: u64 = 8 << 20;

#[derive(Clone, Debug)]
pub struct IngestConfig {
    /// `MM_MAX_UPLOAD_BYTES`, default 500GiB: the largest master accepted.
    pub max_upload_bytes: u64,
    /// `MM_MULTIPART_THRESHOLD`, default 64MiB: files this large or larger upload in parts.
    pub multipart_threshold: u64,
    /// `MM_UPLOAD_PART_SIZE`, default 16MiB (at least 8MiB): the part size, raised for files
    /// that would otherwise need more than 10,000 parts.
    pub part_size: u64,
    /// `MM_UPLOAD_URL_TTL`, default 15m: how long a presigned upload or part URL works.
    pub url_ttl: Duration,
    /// `MM_UPLOAD_TTL`, default 24h: an unfinished upload idle this long is aborted and its
    /// staging object deleted.
    pub upload_ttl: Duration,
    /// `MM_UPLOAD_SWEEP_INTERVAL`, default 10m: how often idle uploads are looked for.
    pub sweep_interval: Duration,
    /// `MM_MASTERS_LOCK_MODE`, `off` (default), `governance` or `compliance`: Object Lock
    /// retention applied to every master.
    pub lock_mode: Option<LockMode>,
    /// `MM_MASTERS_LOCK_DAYS`, default 365: how long a master stays locked when the mode is on.
    pub lock_days: u32,
}

impl IngestConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let size = |keys: &[&str], default: u64, p: &mut Vec<Problem>| {
            env.parsed(keys, ByteSize(default), p).0
        };
        let secs = |keys: &[&str], default: u64, p: &mut Vec<Problem>| {
            Duration::from_secs(env.parsed(keys, Secs(default), p).0)
        };
        let lock_mode = match env
            .var(&["MM_MASTERS_LOCK_MODE"])
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("off") => None,
            Some("governance") => Some(LockMode::Governance),
            Some("compliance") => Some(LockMode::Compliance),
            Some(other) => {
                p.push(Problem {
                    key: "MM_MASTERS_LOCK_MODE".into(),
                    message: format!(
                        "invalid value {other:?}: expected off, governance or compliance"
                    ),
                });
                None
            }
        };
        let cfg = IngestConfig {
            max_upload_bytes: size(&["MM_MAX_UPLOAD_BYTES"], 500 << 30, p),
            multipart_threshold: size(&["MM_MULTIPART_THRESHOLD"], 64 << 20, p),
            part_size: size(&["MM_UPLOAD_PART_SIZE"], 16 << 20, p),
            url_ttl: secs(&["MM_UPLOAD_URL_TTL"], 900, p),
            upload_ttl: secs(&["MM_UPLOAD_TTL"], 86_400, p),
            sweep_interval: secs(&["MM_UPLOAD_SWEEP_INTERVAL"], 600, p),
            lock_mode,
            lock_days: env.parsed(&["MM_MASTERS_LOCK_DAYS"], 365, p),
        };
        let mut bad = |key: &str, message: String| {
            p.push(Problem {
                key: key.into(),
                message,
            })
        };
        if cfg.part_size < MIN_PART_SIZE || cfg.part_size > 5 << 30 {
            bad(
                "MM_UPLOAD_PART_SIZE",
                "must be between 8MiB and 5GiB".into(),
            );
        }
        if cfg.max_upload_bytes == 0 {
            bad("MM_MAX_UPLOAD_BYTES", "must be more than 0".into());
        }
        // S3 refuses a single PUT above 5 GiB.
        if cfg.multipart_threshold == 0 || cfg.multipart_threshold > 5 << 30 {
            bad(
                "MM_MULTIPART_THRESHOLD",
                "must be between 1 byte and 5GiB".into(),
            );
        }
        if cfg.url_ttl < Duration::from_secs(60) || cfg.url_ttl > Duration::from_secs(7 * 86_400) {
            bad("MM_UPLOAD_URL_TTL", "must be between 1m and 7d".into());
        }
        if cfg.upload_ttl < Duration::from_secs(60) {
            bad("MM_UPLOAD_TTL", "must be at least 1m".into());
        }
        if cfg.sweep_interval.is_zero() {
            bad("MM_UPLOAD_SWEEP_INTERVAL", "must be at least 1s".into());
        }
        if cfg.lock_mode.is_some() && cfg.lock_days == 0 {
            bad(
                "MM_MASTERS_LOCK_DAYS",
                "must be at least 1 when MM_MASTERS_LOCK_MODE is on".into(),
            );
        }
        cfg
    }

    /// The Object Lock retention a master promoted now gets, if any.
    pub fn retention(&self, now: time::OffsetDateTime) -> Option<(LockMode, time::OffsetDateTime)> {
        self.lock_mode
            .map(|m| (m, now + time::Duration::days(i64::from(self.lock_days))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let mut p = vec![];
        let c = IngestConfig::from_env(&Env::default(), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.max_upload_bytes, 500 << 30);
        assert_eq!(c.multipart_threshold, 64 << 20);
        assert_eq!(c.upload_ttl, Duration::from_secs(86_400));
        assert!(c.lock_mode.is_none());
    }

    #[test]
    fn bad_lock_mode_and_tiny_parts_are_named() {
        let mut p = vec![];
        let env = Env::from_pairs([
            ("MM_MASTERS_LOCK_MODE", "forever"),
            ("MM_UPLOAD_PART_SIZE", "1MiB"),
        ]);
        IngestConfig::from_env(&env, &mut p);
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["MM_MASTERS_LOCK_MODE", "MM_UPLOAD_PART_SIZE"]);
    }
}

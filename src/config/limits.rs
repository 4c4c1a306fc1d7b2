//! Limits that keep what users, guests and strangers send from exhausting mm: idle upload
//! bodies, concurrent PUTs, event streams per account, the `/metrics` token, the longest
//! master and the time and disk each preview may take.

use super::{Env, Problem, Secs};
use secrecy::SecretString;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct LimitsConfig {
    /// `MM_UPLOAD_IDLE_TIMEOUT`, default 30s: an upload body that sends nothing this long is
    /// dropped (408) and its temp file removed.
    pub upload_idle_timeout: Duration,
    /// `MM_UPLOAD_CONCURRENT_PUTS`, default 2: PUTs at once to one object or one part (a
    /// retry may overlap a dying attempt); more get 429.
    pub concurrent_puts: usize,
    /// `MM_UPLOAD_DISK_WRITERS`, default 4: blocking threads the upload bodies of a process
    /// may hold at once to write to disk, so database work always finds a thread.
    pub disk_writers: usize,
    /// `MM_HTTP_BLOCKING_THREADS`: blocking threads per HTTP worker (database calls, password
    /// hashing, disk writes); unset, actix's default (512 shared out over the workers).
    pub http_blocking_threads: Option<usize>,
    /// `MM_EVENT_STREAMS_PER_ACCOUNT`, default 16: event streams one account (or one API
    /// token's owner) may hold open at once; more get 429.
    pub event_streams_per_account: usize,
    /// `MM_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
    /// `MM_MAX_DURATION`, default 24h: longer masters (by header or by their streams) are
    /// refused before any encode.
    pub max_duration: Duration,
    /// `MM_FFMPEG_TIME_FACTOR`, default 10: an ffmpeg or ffprobe run may take this many times
    /// the master's duration of wall-clock time (plus `MM_FFMPEG_TIME_MIN`) before it is
    /// stopped and the job fails.
    pub ffmpeg_time_factor: f64,
    /// `MM_FFMPEG_TIME_MIN`, default 10m: the wall-clock allowance every run gets on top.
    pub ffmpeg_time_min: Duration,
    /// `MM_WORK_DIR_FACTOR`, default 3: a job's temp dir may grow to this many times the
    /// estimated size of its outputs before the job is stopped.
    pub work_dir_factor: u64,
}

impl LimitsConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let secs = |keys: &[&str], default: u64, p: &mut Vec<Problem>| {
            Duration::from_secs(env.parsed(keys, Secs(default), p).0)
        };
        let cfg = LimitsConfig {
            upload_idle_timeout: secs(&["MM_UPLOAD_IDLE_TIMEOUT"], 30, p),
            concurrent_puts: env.parsed(&["MM_UPLOAD_CONCURRENT_PUTS"], 2, p),
            disk_writers: env.parsed(&["MM_UPLOAD_DISK_WRITERS"], 4, p),
            http_blocking_threads: env
                .var(&["MM_HTTP_BLOCKING_THREADS"])
                .map(|_| env.parsed(&["MM_HTTP_BLOCKING_THREADS"], 0usize, p)),
            event_streams_per_account: env.parsed(&["MM_EVENT_STREAMS_PER_ACCOUNT"], 16, p),
            metrics_token: env.var(&["MM_METRICS_TOKEN"]).map(SecretString::from),
            max_duration: secs(&["MM_MAX_DURATION"], 86_400, p),
            ffmpeg_time_factor: env.parsed(&["MM_FFMPEG_TIME_FACTOR"], 10.0, p),
            ffmpeg_time_min: secs(&["MM_FFMPEG_TIME_MIN"], 600, p),
            work_dir_factor: env.parsed(&["MM_WORK_DIR_FACTOR"], 3, p),
        };
        let mut bad = |key: &str, message: &str| {
            p.push(Problem {
                key: key.into(),
                message: message.into(),
            })
        };
        if cfg.upload_idle_timeout.is_zero() {
            bad("MM_UPLOAD_IDLE_TIMEOUT", "must be at least 1s");
        }
        if cfg.concurrent_puts == 0 {
            bad("MM_UPLOAD_CONCURRENT_PUTS", "must be at least 1");
        }
        if cfg.disk_writers == 0 {
            bad("MM_UPLOAD_DISK_WRITERS", "must be at least 1");
        }
        if cfg.http_blocking_threads == Some(0) {
            bad("MM_HTTP_BLOCKING_THREADS", "must be at least 1");
        }
        if cfg.event_streams_per_account == 0 {
            bad("MM_EVENT_STREAMS_PER_ACCOUNT", "must be at least 1");
        }
        if cfg.max_duration.is_zero() {
            bad("MM_MAX_DURATION", "must be at least 1s");
        }
        if !(cfg.ffmpeg_time_factor.is_finite() && cfg.ffmpeg_time_factor >= 1.0) {
            bad("MM_FFMPEG_TIME_FACTOR", "must be a number of at least 1");
        }
        if cfg.work_dir_factor == 0 {
            bad("MM_WORK_DIR_FACTOR", "must be at least 1");
        }
        if let Some(t) = &cfg.metrics_token
            && secrecy::ExposeSecret::expose_secret(t).len() < 16
        {
            bad("MM_METRICS_TOKEN", "must be at least 16 characters");
        }
        cfg
    }

    /// The wall-clock time one ffmpeg or ffprobe run on a master of `duration` may take.
    pub fn ffmpeg_budget(&self, duration: f64) -> Duration {
        let d = duration.clamp(0.0, self.max_duration.as_secs_f64());
        self.ffmpeg_time_min + Duration::from_secs_f64(d * self.ffmpeg_time_factor)
    }
}

/// A byte count with a unit, for messages.
pub fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let mut p = vec![];
        let c = LimitsConfig::from_env(&Env::default(), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.upload_idle_timeout, Duration::from_secs(30));
        assert_eq!(c.max_duration, Duration::from_secs(86_400));
        assert!(c.metrics_token.is_none());
        // A 10 s master: ten minutes plus ten times its duration.
        assert_eq!(c.ffmpeg_budget(10.0), Duration::from_secs(700));
    }

    #[test]
    fn bad_values_are_named() {
        let mut p = vec![];
        let env = Env::from_pairs([
            ("MM_UPLOAD_IDLE_TIMEOUT", "0"),
            ("MM_METRICS_TOKEN", "short"),
            ("MM_FFMPEG_TIME_FACTOR", "0.5"),
        ]);
        LimitsConfig::from_env(&env, &mut p);
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "MM_UPLOAD_IDLE_TIMEOUT",
                "MM_FFMPEG_TIME_FACTOR",
                "MM_METRICS_TOKEN"
            ]
        );
    }
}

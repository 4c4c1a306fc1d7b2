//! Edge delivery settings: the disk cache in front of S3, origin timeouts, signing limits.

use super::{ByteSize, Env, Problem, Secs};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct EdgeConfig {
    /// `MM_EDGE_CACHE_DIR`, default `$MM_DATA_DIR/edge-cache`: where the edge keeps copies of
    /// S3 objects (unused with local storage, which is served straight from its files).
    pub cache_dir: PathBuf,
    /// `MM_EDGE_CACHE_MAX_BYTES`, default 1GiB (`0` turns the cache off): the most the cache
    /// holds before it evicts the least recently used objects.
    pub cache_max_bytes: u64,
    /// `MM_EDGE_MEMORY_BYTES`, default 64MiB (`0` turns it off): memory for the bytes of hot
    /// objects (at most an eighth of it, and 8 MiB, each), in front of local files and the
    /// disk cache.
    pub memory_bytes: u64,
    /// `MM_EDGE_ORIGIN_TIMEOUT`, default 10s: longest wait for S3 to start answering, and
    /// longest pause between two chunks of a body, before the edge gives up with 504.
    pub origin_timeout_secs: u64,
    /// `MM_SIGN_MAX_SECONDS`, default 24h: the longest lifetime `POST /api/sign-preview` and
    /// `mm sign` grant.
    pub sign_max_secs: u64,
}

/// Lifetime of a signed URL when the caller names none.
pub const SIGN_DEFAULT_SECS: u64 = 3600;

impl EdgeConfig {
    pub fn from_env(env: &Env, data_dir: &Path, p: &mut Vec<Problem>) -> Self {
        let max: ByteSize = env.parsed(&["MM_EDGE_CACHE_MAX_BYTES"], ByteSize(1 << 30), p);
        let memory: ByteSize = env.parsed(&["MM_EDGE_MEMORY_BYTES"], ByteSize(64 << 20), p);
        let timeout: Secs = env.parsed(&["MM_EDGE_ORIGIN_TIMEOUT"], Secs(10), p);
        let sign_max: Secs = env.parsed(&["MM_SIGN_MAX_SECONDS"], Secs(86_400), p);
        if timeout.0 == 0 {
            p.push(Problem {
                key: "MM_EDGE_ORIGIN_TIMEOUT".into(),
                message: "must be at least 1s".into(),
            });
        }
        if sign_max.0 < 60 {
            p.push(Problem {
                key: "MM_SIGN_MAX_SECONDS".into(),
                message: "must be at least 60s".into(),
            });
        }
        EdgeConfig {
            cache_dir: env
                .var(&["MM_EDGE_CACHE_DIR"])
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("edge-cache")),
            cache_max_bytes: max.0,
            memory_bytes: memory.0,
            origin_timeout_secs: timeout.0.max(1),
            sign_max_secs: sign_max.0.max(60),
        }
    }
}

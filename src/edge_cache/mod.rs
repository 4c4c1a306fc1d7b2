//! The edge's disk cache in front of S3: a bounded LRU of whole objects on local disk, filled
//! atomically (temp file, then rename), with concurrent misses of one object sharing a single
//! origin fetch, and an index rebuilt from the directory when the edge restarts.

mod entry;
mod fill;
mod index;
mod metrics;

pub use entry::{CachedObject, Meta};
pub use metrics::CacheMetrics;

use crate::storage::{DynStorage, StorageError};
use entry::{hash_key, object_path, read_header};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use index::{Hash, Index};
use prometheus::HistogramVec;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How often a hit rewrites a file's mtime, the recency a restart reads back.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Objects above this size stream from the origin instead of being cached whole.
const MAX_OBJECT_CAP: u64 = 512 << 20;
/// How many too-large keys are remembered (so they skip the fill attempt) before the list is
/// forgotten and learnt again.
const MAX_LARGE_KEYS: usize = 10_000;

/// Why an object could not be had from the origin; cloned to every coalesced waiter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    #[error("object not found")]
    NotFound,
    #[error("invalid object key")]
    BadKey,
    #[error("the origin did not answer in time")]
    Timeout,
    #[error("the origin failed: {0}")]
    Origin(String),
    /// The cache's own disk failed (full, read-only): serve from the origin instead.
    #[error("the cache disk failed: {0}")]
    Disk(String),
}

impl From<StorageError> for FillError {
    fn from(e: StorageError) -> Self {
        if e.is_not_found() {
            FillError::NotFound
        } else if matches!(e, StorageError::InvalidKey(_)) {
            FillError::BadKey
        } else {
            FillError::Origin(e.to_string())
        }
    }
}

/// What the cache has for a key.
#[derive(Debug)]
pub enum Lookup {
    Hit(CachedObject),
    /// Larger than the cache takes: serve it straight from the origin.
    TooLarge,
}

#[derive(Clone, Copy, Debug)]
enum Filled {
    Cached,
    TooLarge,
}

type Fill = Shared<BoxFuture<'static, Result<Filled, FillError>>>;

#[derive(Clone)]
pub struct DiskCache {
    inner: Arc<Inner>,
}

struct Inner {
    objects: PathBuf,
    tmp: PathBuf,
    max_bytes: u64,
    max_object: u64,
    storage: DynStorage,
    timeout: Duration,
    index: Mutex<Index>,
    inflight: Mutex<HashMap<Hash, Fill>>,
    /// Keys known to be above `max_object`.
    large: Mutex<HashSet<Hash>>,
    metrics: CacheMetrics,
    origin_seconds: HistogramVec,
}

impl DiskCache {
    /// Opens (or creates) the cache under `dir`, drops unfinished temp files, rebuilds the
    /// index from what is on disk and evicts down to `max_bytes`.
    pub fn open(
        dir: &Path,
        max_bytes: u64,
        storage: DynStorage,
        timeout: Duration,
        metrics: CacheMetrics,
        origin_seconds: HistogramVec,
    ) -> anyhow::Result<Self> {
        use anyhow::Context;
        let root = dir.join("v1");
        let (objects, tmp) = (root.join("objects"), root.join("tmp"));
        for d in [&objects, &tmp] {
            std::fs::create_dir_all(d)
                .with_context(|| format!("creating {} (MM_EDGE_CACHE_DIR)", d.display()))?;
        }
        for f in std::fs::read_dir(&tmp)?.flatten() {
            let _ = std::fs::remove_file(f.path());
        }
        let index = Index::rebuild(&objects)
            .with_context(|| format!("reading the edge cache in {}", root.display()))?;
        let inner = Arc::new(Inner {
            objects,
            tmp,
            max_bytes,
            max_object: (max_bytes / 4).clamp(1, MAX_OBJECT_CAP),
            storage,
            timeout,
            index: Mutex::new(index),
            inflight: Mutex::default(),
            large: Mutex::default(),
            metrics,
            origin_seconds,
        });
        inner.evict(None);
        let (objects, bytes) = {
            let index = inner.lock();
            (index.len(), index.bytes)
        };
        tracing::info!(dir = %root.display(), objects, bytes, "edge cache opened");
        Ok(Self { inner })
    }

    /// The cached copy of `key`, fetched from the origin first on a miss. Concurrent misses of
    /// one key wait for the same fetch. With `fresh_for`, a copy older than that (or found on
    /// disk at start) is fetched again: for objects that are rewritten, such as playlists.
    pub async fn get(&self, key: &str, fresh_for: Option<Duration>) -> Result<Lookup, FillError> {
        let h = hash_key(key);
        if self.inner.is_large(&h) {
            return Ok(Lookup::TooLarge);
        }
        if let Some(obj) = self.inner.hit(&h, key, fresh_for) {
            self.inner.metrics.hit();
            return Ok(Lookup::Hit(obj));
        }
        self.inner.metrics.miss();
        // An object evicted between its fill and our open is fetched once more.
        for _ in 0..2 {
            match self.fill(h, key).await? {
                Filled::TooLarge => return Ok(Lookup::TooLarge),
                Filled::Cached => {
                    if let Some(obj) = self.inner.hit(&h, key, None) {
                        return Ok(Lookup::Hit(obj));
                    }
                }
            }
        }
        Err(FillError::Disk(
            "the cache could not keep the object".into(),
        ))
    }

    fn fill(&self, h: Hash, key: &str) -> Fill {
        let mut inflight = self
            .inner
            .inflight
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(f) = inflight.get(&h) {
            return f.clone();
        }
        // The fetch runs in its own task: a client that goes away does not cancel the fill
        // the other waiters (and the next viewers) need.
        let inner = self.inner.clone();
        let key = key.to_string();
        let task = tokio::spawn(async move {
            let r = inner.fill_object(&h, &key).await;
            inner
                .inflight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&h);
            r
        });
        let fill = async move {
            task.await
                .unwrap_or_else(|e| Err(FillError::Origin(format!("cache fill failed: {e}"))))
        }
        .boxed()
        .shared();
        inflight.insert(h, fill.clone());
        fill
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_large(&self, h: &Hash) -> bool {
        self.large
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(h)
    }

    fn hit(&self, h: &Hash, key: &str, fresh_for: Option<Duration>) -> Option<CachedObject> {
        let (known, touch) = {
            let mut index = self.lock();
            let e = index.touch(h)?;
            if let Some(max) = fresh_for
                && e.filled.is_none_or(|t| t.elapsed() > max)
            {
                return None;
            }
            let touch = e.touched.elapsed() >= TOUCH_EVERY;
            if touch {
                e.touched = Instant::now();
            }
            (e.meta.clone(), touch)
        };
        let path = object_path(&self.objects, h);
        let file = File::open(&path).ok().or_else(|| {
            self.forget(h, false);
            None
        })?;
        let (meta, data_offset) = match known {
            Some(m) => m,
            None => match read_header(&file, key) {
                Ok((meta, off)) => {
                    let m = (Arc::new(meta), off);
                    if let Some(e) = self.lock().touch(h) {
                        e.meta = Some(m.clone());
                    }
                    m
                }
                Err(e) => {
                    tracing::warn!(error = %e, path = %path.display(), "dropping a bad cache file");
                    self.forget(h, true);
                    return None;
                }
            },
        };
        if touch {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(CachedObject {
            file,
            data_offset,
            meta,
        })
    }

    fn forget(&self, h: &Hash, delete: bool) {
        self.lock().remove(h);
        if delete {
            let _ = std::fs::remove_file(object_path(&self.objects, h));
        }
        self.metrics.gauges(&self.lock());
    }

    fn evict(&self, keep: Option<&Hash>) {
        let victims = self.lock().evict_to(self.max_bytes, keep);
        for h in &victims {
            let _ = std::fs::remove_file(object_path(&self.objects, h));
        }
        self.metrics.evictions.inc_by(victims.len() as u64);
        self.metrics.gauges(&self.lock());
    }
}

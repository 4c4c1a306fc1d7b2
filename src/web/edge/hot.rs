//! A small in-memory tier in front of the edge's files (local storage and the S3 disk cache):
//! the bytes of hot objects (playlists, the segments everyone is watching), keyed by the file's
//! identity, so that a hit costs one `stat` and no read.

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::sync::Mutex;

/// A file as it is now: writers replace objects by rename (a new inode) and any in-place
/// change moves the size or mtime, so a key never names stale bytes.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
}

impl FileId {
    pub fn of(md: &Metadata) -> Self {
        Self {
            dev: md.dev(),
            ino: md.ino(),
            size: md.size(),
            mtime: (md.mtime(), md.mtime_nsec()),
        }
    }
}

/// Objects above this size are never held: they are rare and would crowd out the hot set.
const MAX_OBJECT_CAP: u64 = 8 << 20;

pub struct HotCache {
    max_bytes: u64,
    pub max_object: u64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<FileId, (Bytes, u64)>,
    lru: BTreeMap<u64, FileId>,
    bytes: u64,
    tick: u64,
}

impl HotCache {
    /// A tier of at most `max_bytes` (0 turns it off).
    pub fn new(max_bytes: u64) -> Self {
        Self {
            max_bytes,
            max_object: (max_bytes / 8).min(MAX_OBJECT_CAP),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, id: &FileId) -> Option<Bytes> {
        if self.max_bytes == 0 {
            return None;
        }
        let mut inner = self.lock();
        let tick = inner.tick + 1;
        let (data, old) = inner.map.get_mut(id).map(|(d, t)| {
            let old = std::mem::replace(t, tick);
            (d.clone(), old)
        })?;
        inner.tick = tick;
        inner.lru.remove(&old);
        inner.lru.insert(tick, *id);
        Some(data)
    }

    /// Keeps `data` (the whole object of `id`) if it is small enough, evicting the least
    /// recently used objects to stay within the bound.
    pub fn insert(&self, id: FileId, data: Bytes) {
        let len = data.len() as u64;
        if len == 0 || len > self.max_object {
            return;
        }
        let mut inner = self.lock();
        if inner.map.contains_key(&id) {
            return;
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.map.insert(id, (data, tick));
        inner.lru.insert(tick, id);
        inner.bytes += len;
        while inner.bytes > self.max_bytes {
            let Some((_, victim)) = inner.lru.pop_first() else {
                break;
            };
            if let Some((d, _)) = inner.map.remove(&victim) {
                inner.bytes -= d.len() as u64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ino: u64) -> FileId {
        FileId {
            dev: 1,
            ino,
            size: 4,
            mtime: (0, 0),
        }
    }

    #[test]
    fn keeps_the_most_recently_used_within_its_bound() {
        let hot = HotCache::new(80);
        assert_eq!(hot.max_object, 10);
        for i in 0..30 {
            hot.insert(id(i), Bytes::from_static(b"abcd"));
        }
        assert!(hot.get(&id(0)).is_none(), "evicted");
        assert_eq!(hot.get(&id(29)).unwrap(), "abcd");
        hot.insert(id(99), Bytes::from(vec![0u8; 11]));
        assert!(hot.get(&id(99)).is_none(), "too large to keep");
        assert!(HotCache::new(0).get(&id(29)).is_none());
        // A touched entry outlives newer ones.
        let hot = HotCache::new(16);
        hot.insert(id(1), Bytes::from_static(b"ab"));
        hot.insert(id(2), Bytes::from_static(b"ab"));
        let _ = hot.get(&id(1));
        for i in 3..10 {
            hot.insert(id(i), Bytes::from_static(b"ab"));
        }
        assert!(hot.get(&id(1)).is_some());
        assert!(hot.get(&id(2)).is_none());
    }
}

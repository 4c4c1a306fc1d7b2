//! The in-memory index of the disk cache: size and recency of every cached file, least
//! recently used first, rebuilt from the directory (file mtimes) when the edge starts.

use super::entry::{Meta, parse_hash};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub type Hash = [u8; 32];

pub struct Entry {
    /// Bytes on disk, header included.
    pub file_len: u64,
    tick: u64,
    /// Header, once read in this run (a rebuilt entry learns it on its first hit).
    pub meta: Option<(Arc<Meta>, u64)>,
    /// When the file's mtime was last set, so recency survives a restart without a syscall
    /// on every hit.
    pub touched: Instant,
    /// When this run fetched it from the origin; `None` for entries found on disk at start.
    pub filled: Option<Instant>,
}

#[derive(Default)]
pub struct Index {
    entries: HashMap<Hash, Entry>,
    lru: BTreeMap<u64, Hash>,
    next_tick: u64,
    pub bytes: u64,
}

impl Index {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry of `h`, marked as the most recently used.
    pub fn touch(&mut self, h: &Hash) -> Option<&mut Entry> {
        let tick = self.next_tick;
        let e = self.entries.get_mut(h)?;
        self.lru.remove(&e.tick);
        e.tick = tick;
        self.lru.insert(tick, *h);
        self.next_tick += 1;
        Some(e)
    }

    /// Adds (or replaces) an entry; `fresh` tells whether it was just fetched from the origin.
    pub fn insert(&mut self, h: Hash, file_len: u64, meta: Option<(Arc<Meta>, u64)>, fresh: bool) {
        self.remove(&h);
        let tick = self.next_tick;
        self.next_tick += 1;
        self.lru.insert(tick, h);
        self.bytes += file_len;
        self.entries.insert(
            h,
            Entry {
                file_len,
                tick,
                meta,
                touched: Instant::now(),
                filled: fresh.then(Instant::now),
            },
        );
    }

    pub fn remove(&mut self, h: &Hash) -> bool {
        match self.entries.remove(h) {
            Some(e) => {
                self.lru.remove(&e.tick);
                self.bytes -= e.file_len;
                true
            }
            None => false,
        }
    }

    /// Removes least recently used entries, never `keep`, until at most `max` bytes remain;
    /// returns what was removed so the caller deletes the files outside the lock.
    pub fn evict_to(&mut self, max: u64, keep: Option<&Hash>) -> Vec<Hash> {
        let mut out = Vec::new();
        while self.bytes > max {
            let Some(h) = self.lru.values().find(|h| Some(*h) != keep).copied() else {
                break;
            };
            self.remove(&h);
            out.push(h);
        }
        out
    }

    /// Reads `objects/*/<hash>` back, oldest mtime first, so LRU order survives a restart.
    pub fn rebuild(objects: &Path) -> std::io::Result<Index> {
        let mut found: Vec<(SystemTime, Hash, u64)> = Vec::new();
        for fan in std::fs::read_dir(objects)? {
            let fan = fan?;
            if !fan.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(fan.path())? {
                let f = f?;
                let md = f.metadata()?;
                let name = f.file_name();
                match name.to_str().and_then(parse_hash) {
                    Some(h) if md.is_file() => {
                        found.push((md.modified()?, h, md.len()));
                    }
                    // Anything else is not ours to keep in the cache directory.
                    _ => {
                        let _ = std::fs::remove_file(f.path());
                    }
                }
            }
        }
        found.sort();
        let mut index = Index::default();
        for (_, h, len) in found {
            index.insert(h, len, None, false);
        }
        Ok(index)
    }
}

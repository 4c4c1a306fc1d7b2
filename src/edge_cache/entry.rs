//! One cached object on disk: a short header (magic line, JSON metadata, newline) followed by
//! the object's bytes, in a single file so that one rename publishes both atomically.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"MMEC1\n";
/// Headers are a few hundred bytes (the key is at most 1 KiB); anything longer is corrupt.
const MAX_HEADER: usize = 8 << 10;

/// What the origin said about the object when it was cached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub key: String,
    pub size: u64,
    /// The origin's quoted entity tag, served as is so validators stay stable across edges.
    pub etag: String,
    /// Unix seconds.
    pub last_modified: i64,
}

impl Meta {
    pub fn header(&self) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        // Serializing a struct of strings and integers cannot fail.
        h.extend_from_slice(&serde_json::to_vec(self).unwrap_or_default());
        h.push(b'\n');
        h
    }
}

/// An open cached file: the object's bytes start at `data_offset`.
#[derive(Debug)]
pub struct CachedObject {
    pub file: File,
    pub data_offset: u64,
    pub meta: std::sync::Arc<Meta>,
}

/// Reads and checks the header of `file`: magic, metadata for `key`, and a file length that
/// matches (a torn or truncated file is treated as absent).
pub fn read_header(file: &File, key: &str) -> io::Result<(Meta, u64)> {
    let len = file.metadata()?.len();
    let mut buf = vec![0u8; MAX_HEADER.min(len as usize)];
    file.read_exact_at(&mut buf, 0)?;
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
    let rest = buf
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("no cache magic"))?;
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("header not terminated"))?;
    let meta: Meta = serde_json::from_slice(&rest[..end]).map_err(|e| bad(&e.to_string()))?;
    let data_offset = (MAGIC.len() + end + 1) as u64;
    if meta.key != key {
        return Err(bad("cached file belongs to another key"));
    }
    if data_offset + meta.size != len {
        return Err(bad("cached file has the wrong length"));
    }
    Ok((meta, data_offset))
}

/// The file name of `key`: the hex SHA-256 of the key, under a two-character fan-out directory.
pub fn object_path(objects: &Path, hash: &[u8; 32]) -> PathBuf {
    let hex = hex::encode(hash);
    objects.join(&hex[..2]).join(hex)
}

pub fn hash_key(key: &str) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
    let mut h = [0u8; 32];
    h.copy_from_slice(d.as_ref());
    h
}

/// Parses a file name back into its hash (when rebuilding the index).
pub fn parse_hash(name: &str) -> Option<[u8; 32]> {
    let mut h = [0u8; 32];
    (name.len() == 64 && hex::decode_to_slice(name, &mut h).is_ok()).then_some(h)
}

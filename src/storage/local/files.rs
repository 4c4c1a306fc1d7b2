//! Filesystem helpers of the local backend: directories, opening objects, retention checks,
//! listing, pruning, and the sweep of temp files a crash left behind.

use super::meta::{self, Meta, Retention};
use super::{MULTIPART_DIR, TMP_DIR};
use crate::storage::{Bucket, PutOptions, Result, StorageError};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Temp files older than this belong to no write in progress.
const STALE_TEMP: Duration = Duration::from_secs(24 * 3600);

pub(super) fn create_dirs(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut created = Vec::new();
    let dirs = Bucket::ALL
        .iter()
        .map(|b| b.as_str())
        .chain([TMP_DIR, MULTIPART_DIR]);
    for d in dirs {
        let dir = root.join(d);
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|e| {
                anyhow::anyhow!("MM_DATA_DIR: cannot create {}: {e}", dir.display())
            })?;
            created.push(dir);
        }
    }
    Ok(created)
}

/// Runs filesystem work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Backend(format!("blocking task failed: {e}")))?
}

/// Opens an object's file; a missing file, or a path that is a directory, is `NotFound`.
pub(super) fn open_object(path: &Path, key: &str) -> Result<File> {
    let not_found = || StorageError::NotFound(key.to_string());
    let file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => not_found(),
        _ => StorageError::Io(e),
    })?;
    if !file.metadata()?.is_file() {
        return Err(not_found());
    }
    Ok(file)
}

/// Refuses to replace or delete an object whose recorded retention is in the future.
pub(super) fn check_replaceable(path: &Path) -> Result<()> {
    match File::open(path) {
        Ok(f) => match meta::read_recorded(&f)? {
            Some(m) => m.check_not_retained(),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

pub(super) fn check_header(name: &str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) if v.len() > meta::MAX_HEADER_LEN || v.chars().any(|c| c.is_control()) => {
            Err(StorageError::InvalidInput(format!(
                "{name} is longer than 255 bytes or has control characters"
            )))
        }
        _ => Ok(()),
    }
}

pub(super) fn new_meta(etag: String, opts: &PutOptions, source: Option<&Meta>) -> Meta {
    Meta {
        etag,
        content_type: opts
            .content_type
            .clone()
            .or_else(|| source.and_then(|s| s.content_type.clone())),
        cache_control: opts
            .cache_control
            .clone()
            .or_else(|| source.and_then(|s| s.cache_control.clone())),
        retention: opts
            .retention
            .map(|(mode, until)| Retention { mode, until }),
    }
}

/// Removes the empty directories a deleted key leaves, up to the bucket's own directory.
pub(super) fn prune_empty_parents(path: &Path, stop: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == stop || !d.starts_with(stop) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Every file under `dir` whose key (relative to `base`) starts with `prefix`.
pub(super) fn walk(
    base: &Path,
    dir: &Path,
    prefix: &str,
    out: &mut Vec<String>,
) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let Some(key) = path
            .strip_prefix(base)
            .ok()
            .and_then(|k| k.to_str())
            .map(str::to_string)
        else {
            continue; // a name that is not UTF-8 was not written by mm
        };
        let ty = entry.file_type()?;
        if ty.is_dir() {
            let as_prefix = format!("{key}/");
            if as_prefix.starts_with(prefix) || prefix.starts_with(&as_prefix) {
                walk(base, &path, prefix, out)?;
            }
        } else if ty.is_file() && key.starts_with(prefix) {
            out.push(key);
        }
    }
    Ok(())
}

/// Removes temp files and aside-moved directories older than a day: what a crash mid-write
/// left. Recent ones may belong to another process writing right now, so they stay.
pub(super) fn sweep_stale_temp(tmp_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp_dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old {
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

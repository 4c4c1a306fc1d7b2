//! Streaming writes of the local backend: a stream goes to a temp file on the same filesystem
//! in blocks of 1 MiB (so memory stays a block whatever the object's size), is hashed on the
//! way, fsynced once at the end, then renamed into place.

use super::meta::{self, Meta};
use crate::storage::{ByteStream, Result, StorageError};
use bytes::BytesMut;
use futures_util::StreamExt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Writes reach the disk in blocks of this size.
const WRITE_BUFFER: usize = 1 << 20;

/// A file in the temp directory, removed on drop unless it was renamed into place.
pub(super) struct TempFile {
    pub path: PathBuf,
    pub file: File,
    kept: bool,
}

impl TempFile {
    pub fn create(tmp_dir: &Path) -> std::io::Result<Self> {
        let path = tmp_dir.join(uuid::Uuid::new_v4().simple().to_string());
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(Self {
            path,
            file,
            kept: false,
        })
    }

    /// Records `meta` on the file and renames it to `dest` (creating parent directories),
    /// then syncs the directory so the rename survives a crash.
    pub fn persist(self, dest: &Path, meta: &Meta) -> Result<File> {
        self.persist_with(dest, meta, true)
    }

    /// As `persist`; without `create_parents` a missing parent is `NotFound` (a multipart
    /// upload aborted meanwhile must not come back to life).
    pub fn persist_with(mut self, dest: &Path, meta: &Meta, create_parents: bool) -> Result<File> {
        meta::write(&self.file, meta)?;
        let parent = dest.parent().ok_or_else(|| {
            StorageError::Backend(format!("{} has no parent directory", dest.display()))
        })?;
        // A concurrent delete may prune an empty parent between create and rename: retry.
        let mut tries = 0;
        loop {
            if create_parents {
                std::fs::create_dir_all(parent).map_err(|e| conflict(dest, e))?;
            }
            match std::fs::rename(&self.path, dest) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create_parents => {
                    return Err(StorageError::NotFound(dest.display().to_string()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 3 => tries += 1,
                Err(e) => return Err(conflict(dest, e)),
            }
        }
        self.kept = true;
        File::open(parent)?.sync_all()?;
        Ok(self.file.try_clone()?)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A rename that failed because the key collides with a directory (`a` when `a/b` exists, or
/// the reverse) is the caller's key problem, not an I/O fault.
fn conflict(dest: &Path, e: std::io::Error) -> StorageError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::IsADirectory | K::NotADirectory | K::DirectoryNotEmpty | K::AlreadyExists => {
            StorageError::InvalidKey(format!(
                "{} collides with another key's path",
                dest.display()
            ))
        }
        _ if e.raw_os_error() == Some(rustix::io::Errno::NAMETOOLONG.raw_os_error()) => {
            StorageError::InvalidKey(format!("{}: a path segment is too long", dest.display()))
        }
        _ => StorageError::Io(e),
    }
}

/// A fully written, fsynced temp file and what was learned while writing it.
pub(super) struct Spooled {
    pub temp: TempFile,
    pub size: u64,
    pub etag: String,
}

/// Writes `body` to a new temp file in `tmp_dir`. Nothing is visible to readers until the
/// caller persists the result; a failing stream leaves nothing behind.
///
/// Bytes are gathered here, in async code, and only a full block goes to a blocking thread
/// (at most `writers` at once per process): a slow or idle sender holds no thread while mm
/// waits for its bytes, so request bodies can never take the threads database work runs on.
pub(super) async fn spool(
    tmp_dir: &Path,
    mut body: ByteStream,
    writers: &Arc<Semaphore>,
) -> Result<Spooled> {
    let dir = tmp_dir.to_path_buf();
    let mut state = on_writer(writers, move || {
        let temp = TempFile::create(&dir)?;
        Ok(Writing {
            temp,
            ctx: ring::digest::Context::new(&ring::digest::SHA256),
            size: 0,
        })
    })
    .await?;
    let mut block = BytesMut::new();
    while let Some(item) = body.next().await {
        // An error drops `state`, whose temp file is then removed.
        let chunk = item.map_err(StorageError::Io)?;
        block.extend_from_slice(&chunk);
        if block.len() >= WRITE_BUFFER {
            let data = block.split().freeze();
            state = on_writer(writers, move || {
                let mut state = state;
                state.write(&data)?;
                Ok(state)
            })
            .await?;
        }
    }
    let data = block.freeze();
    on_writer(writers, move || {
        let mut state = state;
        state.write(&data)?;
        // One fsync, at the end: the data is durable before the rename makes it visible.
        state.temp.file.sync_all()?;
        Ok(Spooled {
            temp: state.temp,
            size: state.size,
            etag: meta::etag_of(state.ctx.finish().as_ref()),
        })
    })
    .await
}

/// A temp file being filled, with the hash and size of what it holds so far.
struct Writing {
    temp: TempFile,
    ctx: ring::digest::Context,
    size: u64,
}

impl Writing {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.ctx.update(data);
        (&self.temp.file).write_all(data)?;
        self.size += data.len() as u64;
        Ok(())
    }
}

/// Runs `f` on a blocking thread once one of the `writers` permits is free.
async fn on_writer<T: Send + 'static>(
    writers: &Arc<Semaphore>,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let permit = writers
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| StorageError::Backend("disk writers closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(|e| StorageError::Backend(format!("writer task failed: {e}")))?
}

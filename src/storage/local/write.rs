//! Streaming writes of the local backend: a stream goes to a temp file on the same filesystem
//! through a bounded channel (so memory stays a few chunks whatever the object's size), is
//! hashed on the way, fsynced once at the end, then renamed into place.

use super::meta::{self, Meta};
use crate::storage::{ByteStream, Result, StorageError};
use bytes::Bytes;
use futures_util::StreamExt;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Chunks in flight between the network and the disk writer.
const CHANNEL_CHUNKS: usize = 16;
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

enum Msg {
    Data(Bytes),
    /// The source failed: discard the file.
    Abort,
}

/// Writes `body` to a new temp file in `tmp_dir`. Nothing is visible to readers until the
/// caller persists the result; a failing stream leaves nothing behind.
pub(super) async fn spool(tmp_dir: &Path, mut body: ByteStream) -> Result<Spooled> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(CHANNEL_CHUNKS);
    let tmp_dir = tmp_dir.to_path_buf();
    // Hashing and writing run on a blocking thread, in parallel with receiving the next chunks.
    let writer = tokio::task::spawn_blocking(move || -> Result<Option<Spooled>> {
        let temp = TempFile::create(&tmp_dir)?;
        let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, &temp.file);
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut size = 0u64;
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Msg::Data(chunk) => {
                    ctx.update(&chunk);
                    out.write_all(&chunk)?;
                    size += chunk.len() as u64;
                }
                Msg::Abort => return Ok(None),
            }
        }
        out.flush()?;
        drop(out);
        // One fsync, at the end: the data is durable before the rename makes it visible.
        temp.file.sync_all()?;
        Ok(Some(Spooled {
            temp,
            size,
            etag: meta::etag_of(ctx.finish().as_ref()),
        }))
    });
    let mut source_error = None;
    while let Some(item) = body.next().await {
        match item {
            Ok(chunk) if chunk.is_empty() => {}
            Ok(chunk) => {
                if tx.send(Msg::Data(chunk)).await.is_err() {
                    break; // the writer failed; its error is reported below
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::Abort).await;
                source_error = Some(e);
                break;
            }
        }
    }
    drop(tx);
    let written = writer
        .await
        .map_err(|e| StorageError::Backend(format!("writer task failed: {e}")))?;
    if let Some(e) = source_error {
        return Err(StorageError::Io(e));
    }
    written?.ok_or_else(|| StorageError::Backend("write aborted".into()))
}

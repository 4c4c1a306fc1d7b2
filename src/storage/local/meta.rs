//! What the local backend records about a file (ETag, content type, retention), kept in an
//! extended attribute of the file itself so that it moves with the file through `rename`:
//! a reader holding a file always gets that file's own metadata, never a neighbour's.

use crate::storage::{LockMode, ObjectMeta, StorageError};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::Path;
use time::OffsetDateTime;

const XATTR: &str = "user.mm.meta";
/// Content types and cache-control values longer than this are refused: the attribute must fit
/// in the inode on ext4.
pub(super) const MAX_HEADER_LEN: usize = 255;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Meta {
    /// Quoted entity tag.
    pub etag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Retention {
    pub mode: LockMode,
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

impl Meta {
    /// Refuses deletion or replacement while a retention applies.
    pub fn check_not_retained(&self) -> Result<(), StorageError> {
        match self.retention {
            Some(r) if r.until > OffsetDateTime::now_utc() => Err(StorageError::Retained(
                r.until
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            )),
            _ => Ok(()),
        }
    }
}

/// Quoted hex of the first 16 bytes of a SHA-256 digest.
pub(super) fn etag_of(digest: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// An ETag as a client sent it, without quotes or a weak prefix, for comparison.
pub(super) fn bare_etag(etag: &str) -> &str {
    etag.trim().trim_start_matches("W/").trim_matches('"')
}

pub(super) fn write(file: &File, meta: &Meta) -> std::io::Result<()> {
    let json = serde_json::to_vec(meta).map_err(std::io::Error::other)?;
    rustix::fs::fsetxattr(file, XATTR, &json, rustix::fs::XattrFlags::empty())?;
    Ok(())
}

/// The metadata recorded on a file, if any; never computes anything.
pub(super) fn read_recorded(file: &File) -> std::io::Result<Option<Meta>> {
    let mut buf = vec![0u8; 2048];
    match rustix::fs::fgetxattr(file, XATTR, &mut buf) {
        Ok(n) => Ok(Some(
            serde_json::from_slice(&buf[..n]).map_err(std::io::Error::other)?,
        )),
        Err(rustix::io::Errno::NODATA) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The metadata of an open file; a file without it (copied in by hand) gets its ETag computed
/// once and recorded.
pub(super) fn read(file: &File) -> std::io::Result<Meta> {
    match read_recorded(file)? {
        Some(meta) => Ok(meta),
        None => {
            let meta = Meta {
                etag: hash_file(file)?,
                ..Meta::default()
            };
            // Best effort: a read-only file still serves, with the ETag computed each time.
            let _ = write(file, &meta);
            Ok(meta)
        }
    }
}

fn hash_file(file: &File) -> std::io::Result<String> {
    use std::io::Read;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut reader = file.try_clone()?;
    std::io::Seek::seek(&mut reader, std::io::SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
    }
    Ok(etag_of(ctx.finish().as_ref()))
}

/// The trait's view of an open object file.
pub(super) fn object_meta(key: &str, file: &File, meta: &Meta) -> std::io::Result<ObjectMeta> {
    let fs_meta = file.metadata()?;
    let modified = fs_meta
        .modified()
        .map(OffsetDateTime::from)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    Ok(ObjectMeta {
        key: key.to_string(),
        size: fs_meta.len(),
        etag: meta.etag.clone(),
        last_modified: modified.replace_nanosecond(0).unwrap_or(modified),
        content_type: meta.content_type.clone(),
    })
}

/// Fails when `dir`'s filesystem cannot hold extended attributes: the local backend needs them.
pub(super) fn probe(dir: &Path) -> anyhow::Result<()> {
    let path = dir.join(format!("probe-{}", uuid::Uuid::new_v4().simple()));
    let file = File::create(&path)?;
    let r = write(&file, &Meta::default());
    let _ = std::fs::remove_file(&path);
    r.map_err(|e| {
        anyhow::anyhow!(
            "MM_DATA_DIR {}: the filesystem does not keep extended attributes ({e}); use ext4, xfs or btrfs",
            dir.display()
        )
    })
}

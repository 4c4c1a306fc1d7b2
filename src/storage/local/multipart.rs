//! Multipart uploads of the local backend: a state directory per upload under `.multipart/`
//! holding the target and one file per part (its ETag in the file's metadata); `complete`
//! checks the parts the client lists, concatenates them into a temp file and renames it into
//! place, so a failed or aborted upload never leaves a partial object.

use super::LocalStorage;
use super::files::{blocking, check_header, check_replaceable};
use super::meta::{self, Meta};
use super::write::{self, TempFile};
use crate::storage::{
    Bucket, ByteStream, CompletedPart, MIN_PART_SIZE, ObjectMeta, PartInfo, Result, StorageError,
    check_part_number, validate_key,
};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

const UPLOAD_FILE: &str = "upload.json";

/// What an upload will become.
#[derive(Serialize, Deserialize)]
struct Upload {
    bucket: Bucket,
    key: String,
    content_type: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created: OffsetDateTime,
}

fn no_such_upload(id: &str) -> StorageError {
    StorageError::NoSuchUpload(id.chars().take(64).collect())
}

/// Loads an upload's target; an unknown id, or one started for another bucket or key, is
/// `NoSuchUpload` (as on S3).
fn load(dir: &Path, bucket: Bucket, key: &str, id: &str) -> Result<Upload> {
    let raw = std::fs::read(dir.join(UPLOAD_FILE)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => no_such_upload(id),
        _ => StorageError::Io(e),
    })?;
    let up: Upload = serde_json::from_slice(&raw)
        .map_err(|e| StorageError::Backend(format!("upload {id}: unreadable state: {e}")))?;
    if up.bucket != bucket || up.key != key {
        return Err(no_such_upload(id));
    }
    Ok(up)
}

/// Moves a state directory aside (atomically) and removes it.
fn discard(dir: &Path, tmp_dir: &Path, id: &str) -> Result<()> {
    let aside = tmp_dir.join(format!("gone-{}", uuid::Uuid::new_v4().simple()));
    std::fs::rename(dir, &aside).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => no_such_upload(id),
        _ => StorageError::Io(e),
    })?;
    std::fs::remove_dir_all(&aside)?;
    Ok(())
}

fn part_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(n.to_string())
}

impl LocalStorage {
    /// The state directory of an upload id; ids are 32 hex digits, so no id can name a path
    /// elsewhere.
    fn upload_dir(&self, id: &str) -> Result<PathBuf> {
        let ok = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(no_such_upload(id));
        }
        Ok(self.multipart_dir().join(id.to_ascii_lowercase()))
    }

    pub(super) async fn mp_create(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String> {
        validate_key(key)?;
        let content_type = content_type.map(str::to_string);
        check_header("content type", &content_type)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = self.upload_dir(&id)?;
        let staging = self.tmp_dir().join(format!("mp-{id}"));
        let up = Upload {
            bucket,
            key: key.to_string(),
            content_type,
            created: OffsetDateTime::now_utc(),
        };
        blocking(move || {
            // Built aside and renamed: an upload id either fully exists or does not.
            std::fs::create_dir(&staging)?;
            let json = serde_json::to_vec(&up).map_err(std::io::Error::other)?;
            let mut f = File::create(staging.join(UPLOAD_FILE))?;
            std::io::Write::write_all(&mut f, &json)?;
            f.sync_all()?;
            std::fs::rename(&staging, &dir)?;
            Ok(())
        })
        .await?;
        Ok(id)
    }

    pub(super) async fn mp_upload_part(
        &self,
        bucket: Bucket,
        key: &str,
        id: &str,
        n: u32,
        body: ByteStream,
    ) -> Result<PartInfo> {
        validate_key(key)?;
        check_part_number(n)?;
        let dir = self.upload_dir(id)?;
        {
            // Fail before reading the body when the upload does not exist.
            let (dir, key, id) = (dir.clone(), key.to_string(), id.to_string());
            blocking(move || load(&dir, bucket, &key, &id).map(drop)).await?;
        }
        let spooled = write::spool(&self.tmp_dir(), body, &self.writers).await?;
        let id = id.to_string();
        blocking(move || {
            let meta = Meta {
                etag: spooled.etag.clone(),
                ..Meta::default()
            };
            match spooled.temp.persist_with(&part_path(&dir, n), &meta, false) {
                Ok(_) => {}
                Err(StorageError::NotFound(_)) => return Err(no_such_upload(&id)),
                Err(e) => return Err(e),
            }
            Ok(PartInfo {
                part_number: n,
                etag: spooled.etag,
                size: spooled.size,
            })
        })
        .await
    }

    pub(super) async fn mp_list_parts(
        &self,
        bucket: Bucket,
        key: &str,
        id: &str,
    ) -> Result<Vec<PartInfo>> {
        validate_key(key)?;
        let dir = self.upload_dir(id)?;
        let (key, id) = (key.to_string(), id.to_string());
        blocking(move || {
            load(&dir, bucket, &key, &id)?;
            let mut parts = Vec::new();
            let entries = std::fs::read_dir(&dir).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => no_such_upload(&id),
                _ => StorageError::Io(e),
            })?;
            for entry in entries {
                let entry = entry?;
                let Some(n) = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                else {
                    continue;
                };
                let Ok(file) = File::open(entry.path()) else {
                    continue; // aborted meanwhile
                };
                let Some(m) = meta::read_recorded(&file)? else {
                    continue;
                };
                parts.push(PartInfo {
                    part_number: n,
                    etag: m.etag,
                    size: file.metadata()?.len(),
                });
            }
            parts.sort_by_key(|p| p.part_number);
            Ok(parts)
        })
        .await
    }

    pub(super) async fn mp_complete(
        &self,
        bucket: Bucket,
        key: &str,
        id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta> {
        let dest = self.path(bucket, key)?;
        let dir = self.upload_dir(id)?;
        let tmp_dir = self.tmp_dir();
        let (key, id, parts) = (key.to_string(), id.to_string(), parts.to_vec());
        blocking(move || {
            let up = load(&dir, bucket, &key, &id)?;
            let files = open_listed_parts(&dir, &parts)?;
            check_replaceable(&dest)?;
            let mut temp = TempFile::create(&tmp_dir)?;
            // S3's way: the ETag of a multipart object derives from its parts' ETags, so the
            // concatenation is a kernel copy and nothing is hashed twice.
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
            for (mut file, etag) in files {
                ctx.update(etag.as_bytes());
                std::io::copy(&mut file, &mut temp.file)?;
            }
            temp.file.sync_all()?;
            let digest = ctx.finish();
            let meta = Meta {
                etag: format!(
                    "\"{}-{}\"",
                    hex::encode(&digest.as_ref()[..16]),
                    parts.len()
                ),
                content_type: up.content_type,
                ..Meta::default()
            };
            let file = temp.persist(&dest, &meta)?;
            let om = meta::object_meta(&key, &file, &meta)?;
            // The object is in place; an upload aborted meanwhile is gone already.
            match discard(&dir, &tmp_dir, &id) {
                Ok(()) | Err(StorageError::NoSuchUpload(_)) => {}
                Err(e) => {
                    tracing::warn!(upload_id = %id, error = %e, "multipart state left behind")
                }
            }
            Ok(om)
        })
        .await
    }

    pub(super) async fn mp_abort(&self, bucket: Bucket, key: &str, id: &str) -> Result<()> {
        validate_key(key)?;
        let dir = self.upload_dir(id)?;
        let tmp_dir = self.tmp_dir();
        let (key, id) = (key.to_string(), id.to_string());
        blocking(move || {
            load(&dir, bucket, &key, &id)?;
            discard(&dir, &tmp_dir, &id)
        })
        .await
    }
}

/// Opens the parts a client listed, checking what S3 checks: at least one, numbers strictly
/// ascending, each uploaded with the ETag given, all but the last at least 5 MiB.
fn open_listed_parts(dir: &Path, parts: &[CompletedPart]) -> Result<Vec<(File, String)>> {
    if parts.is_empty() {
        return Err(StorageError::InvalidPart("no parts were listed".into()));
    }
    let mut out = Vec::with_capacity(parts.len());
    let mut previous = 0;
    for (i, p) in parts.iter().enumerate() {
        check_part_number(p.part_number)?;
        if p.part_number <= previous {
            return Err(StorageError::InvalidPart(format!(
                "part numbers must ascend; {} follows {previous}",
                p.part_number
            )));
        }
        previous = p.part_number;
        let file = match File::open(part_path(dir, p.part_number)) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StorageError::InvalidPart(format!(
                    "part {} was not uploaded",
                    p.part_number
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let stored = meta::read_recorded(&file)?
            .map(|m| m.etag)
            .unwrap_or_default();
        if meta::bare_etag(&stored) != meta::bare_etag(&p.etag) || stored.is_empty() {
            return Err(StorageError::InvalidPart(format!(
                "part {} does not have the ETag {}",
                p.part_number, p.etag
            )));
        }
        let size = file.metadata()?.len();
        if i + 1 < parts.len() && size < MIN_PART_SIZE {
            return Err(StorageError::InvalidPart(format!(
                "part {} has {size} bytes; every part but the last needs at least 5 MiB",
                p.part_number
            )));
        }
        out.push((file, meta::bare_etag(&stored).to_string()));
    }
    Ok(out)
}

//! The local backend: one directory per bucket under `MM_DATA_DIR`, atomic temp-and-rename
//! writes, metadata in an extended attribute of each file, and presigned URLs that mm's api
//! role answers itself (see `presign` and `web::api::storage_local`).

mod files;
mod meta;
mod multipart;
pub mod presign;
mod write;

use super::{
    Bucket, ByteStream, CompletedPart, GetObject, ObjectMeta, PartInfo, PresignedUrl, PutOptions,
    RangeRequest, Result, Storage, StorageError, validate_key,
};
use async_trait::async_trait;
use files::{blocking, check_header, check_replaceable, new_meta, open_object};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Reads reach the network in chunks of this size.
const READ_CHUNK: usize = 64 * 1024;
/// Temp files (same filesystem as the buckets, so a rename is atomic).
const TMP_DIR: &str = ".tmp";
/// One directory per multipart upload in progress.
const MULTIPART_DIR: &str = ".multipart";

pub struct LocalStorage {
    root: PathBuf,
    /// Blocking threads upload bodies may hold at once (`MM_UPLOAD_DISK_WRITERS`).
    writers: std::sync::Arc<tokio::sync::Semaphore>,
    signer: Option<presign::Signer>,
    public_url: String,
}

impl LocalStorage {
    /// Opens (creating when missing) the data directory of `config`.
    pub fn new(config: &crate::config::Config) -> anyhow::Result<Self> {
        let root = config.storage.data_dir.clone();
        files::create_dirs(&root)?;
        meta::probe(&root.join(TMP_DIR))?;
        files::sweep_stale_temp(&root.join(TMP_DIR));
        Ok(Self {
            root,
            writers: std::sync::Arc::new(tokio::sync::Semaphore::new(
                config.limits.disk_writers.max(1),
            )),
            signer: presign::Signer::from_config(config),
            public_url: config.public_url.clone(),
        })
    }

    fn bucket_dir(&self, bucket: Bucket) -> PathBuf {
        self.root.join(bucket.as_str())
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join(TMP_DIR)
    }

    fn multipart_dir(&self) -> PathBuf {
        self.root.join(MULTIPART_DIR)
    }

    /// The file of a key, after the key is validated: it can only name a path inside the
    /// bucket's directory.
    fn path(&self, bucket: Bucket, key: &str) -> Result<PathBuf> {
        validate_key(key)?;
        let dir = self.bucket_dir(bucket);
        let path = dir.join(key);
        if !path.starts_with(&dir) {
            return Err(StorageError::InvalidKey(key.into()));
        }
        Ok(path)
    }

    fn signer(&self) -> Result<&presign::Signer> {
        self.signer.as_ref().ok_or_else(|| {
            StorageError::Backend("MM_SECRET_KEY is not set: local storage cannot sign URLs".into())
        })
    }

    fn sign(&self, grant: presign::Grant, ttl: Duration) -> Result<PresignedUrl> {
        let signer = self.signer()?;
        Ok(signer.presign(&self.public_url, grant, ttl))
    }
}

/// `mm storage init` for the local backend: the directories, and nothing else.
pub fn init(config: &crate::config::Config) -> anyhow::Result<Vec<String>> {
    let root = &config.storage.data_dir;
    let created = files::create_dirs(root)?;
    meta::probe(&root.join(TMP_DIR))?;
    let mut lines: Vec<String> = created
        .iter()
        .map(|d| format!("created {}", d.display()))
        .collect();
    lines.push(format!(
        "local storage ready in {} (buckets: staging, masters, previews)",
        root.display()
    ));
    Ok(lines)
}

#[async_trait]
impl Storage for LocalStorage {
    fn backend(&self) -> &'static str {
        "local"
    }

    fn own_url_signer(&self) -> Option<&presign::Signer> {
        self.signer.as_ref()
    }

    /// mm itself answers the presigned PUTs, so uploads go to `MM_PUBLIC_URL`'s origin.
    fn upload_origins(&self) -> Vec<String> {
        url::Url::parse(&self.public_url)
            .ok()
            .map(|u| u.origin())
            .filter(|o| o.is_tuple())
            .map(|o| o.ascii_serialization())
            .into_iter()
            .collect()
    }

    async fn put(
        &self,
        bucket: Bucket,
        key: &str,
        body: ByteStream,
        opts: PutOptions,
    ) -> Result<ObjectMeta> {
        let dest = self.path(bucket, key)?;
        check_header("content type", &opts.content_type)?;
        check_header("cache-control", &opts.cache_control)?;
        let spooled = write::spool(&self.tmp_dir(), body, &self.writers).await?;
        let key = key.to_string();
        blocking(move || {
            check_replaceable(&dest)?;
            let meta = new_meta(spooled.etag, &opts, None);
            let file = spooled.temp.persist(&dest, &meta)?;
            Ok(meta::object_meta(&key, &file, &meta)?)
        })
        .await
    }

    async fn get(
        &self,
        bucket: Bucket,
        key: &str,
        range: Option<RangeRequest>,
    ) -> Result<GetObject> {
        let path = self.path(bucket, key)?;
        let k = key.to_string();
        // The open file is what is served: a concurrent overwrite renames a new file over the
        // name, and this reader goes on reading the old one whole.
        let (file, meta) = blocking(move || {
            let file = open_object(&path, &k)?;
            let meta = meta::read(&file)?;
            let om = meta::object_meta(&k, &file, &meta)?;
            Ok((file, om))
        })
        .await?;
        let size = meta.size;
        let range = match range {
            None => None,
            Some(r) => Some(
                r.resolve(size)
                    .ok_or(StorageError::RangeNotSatisfiable { size })?,
            ),
        };
        let mut file = tokio::fs::File::from_std(file);
        let len = match range {
            Some(r) => {
                file.seek(std::io::SeekFrom::Start(r.start)).await?;
                r.len()
            }
            None => size,
        };
        let reader = file.take(len);
        let body = tokio_util::io::ReaderStream::with_capacity(reader, READ_CHUNK);
        Ok(GetObject {
            meta,
            range,
            body: Box::pin(body),
        })
    }

    async fn head(&self, bucket: Bucket, key: &str) -> Result<ObjectMeta> {
        let path = self.path(bucket, key)?;
        let key = key.to_string();
        blocking(move || {
            let file = open_object(&path, &key)?;
            let meta = meta::read(&file)?;
            Ok(meta::object_meta(&key, &file, &meta)?)
        })
        .await
    }

    async fn copy(
        &self,
        from: (Bucket, &str),
        to: (Bucket, &str),
        opts: PutOptions,
    ) -> Result<ObjectMeta> {
        let src = self.path(from.0, from.1)?;
        let dest = self.path(to.0, to.1)?;
        check_header("content type", &opts.content_type)?;
        check_header("cache-control", &opts.cache_control)?;
        let (src_key, dest_key) = (from.1.to_string(), to.1.to_string());
        let tmp_dir = self.tmp_dir();
        blocking(move || {
            let mut source = open_object(&src, &src_key)?;
            let src_meta = meta::read(&source)?;
            check_replaceable(&dest)?;
            let mut temp = write::TempFile::create(&tmp_dir)?;
            // File to file: the kernel copies (copy_file_range, or a reflink where the
            // filesystem shares extents copy-on-write), so no bytes pass through mm.
            std::io::copy(&mut source, &mut temp.file)?;
            temp.file.sync_all()?;
            let meta = new_meta(src_meta.etag.clone(), &opts, Some(&src_meta));
            let file = temp.persist(&dest, &meta)?;
            Ok(meta::object_meta(&dest_key, &file, &meta)?)
        })
        .await
    }

    async fn delete(&self, bucket: Bucket, key: &str) -> Result<()> {
        let path = self.path(bucket, key)?;
        let stop = self.bucket_dir(bucket);
        let key = key.to_string();
        blocking(move || {
            let file = match open_object(&path, &key) {
                Ok(f) => f,
                Err(StorageError::NotFound(_)) => return Ok(()),
                Err(e) => return Err(e),
            };
            if let Some(m) = meta::read_recorded(&file)? {
                m.check_not_retained()?;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e.into()),
            }
            files::prune_empty_parents(&path, &stop);
            Ok(())
        })
        .await
    }

    async fn list(&self, bucket: Bucket, prefix: &str) -> Result<Vec<ObjectMeta>> {
        let trimmed = prefix.trim_end_matches('/');
        if !trimmed.is_empty() {
            validate_key(trimmed)?;
        }
        let base = self.bucket_dir(bucket);
        let prefix = prefix.to_string();
        blocking(move || {
            // Start at the deepest directory the prefix names, not at the bucket's root.
            let start = match prefix.rfind('/') {
                Some(i) => base.join(&prefix[..i]),
                None => base.clone(),
            };
            let mut keys = Vec::new();
            files::walk(&base, &start, &prefix, &mut keys)?;
            keys.sort();
            let mut out = Vec::with_capacity(keys.len());
            for key in keys {
                // Deleted since the walk: skip it.
                let Ok(file) = open_object(&base.join(&key), &key) else {
                    continue;
                };
                let meta = meta::read(&file)?;
                out.push(meta::object_meta(&key, &file, &meta)?);
            }
            Ok(out)
        })
        .await
    }

    async fn presign_put_sized(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
        size: Option<u64>,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        validate_key(key)?;
        let mut grant = presign::Grant::new(presign::Op::Put, bucket, key);
        grant.content_type = content_type.map(str::to_string);
        grant.size = size;
        self.sign(grant, ttl)
    }

    async fn presign_get(
        &self,
        bucket: Bucket,
        key: &str,
        download_name: Option<&str>,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        validate_key(key)?;
        let mut grant = presign::Grant::new(presign::Op::Get, bucket, key);
        grant.download_name = download_name.map(str::to_string);
        self.sign(grant, ttl)
    }

    async fn create_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String> {
        self.mp_create(bucket, key, content_type).await
    }

    async fn presign_part_sized(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        size: Option<u64>,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        validate_key(key)?;
        super::check_part_number(part_number)?;
        let mut grant = presign::Grant::new(presign::Op::Part, bucket, key);
        grant.upload_id = Some(upload_id.to_string());
        grant.part_number = Some(part_number);
        grant.size = size;
        self.sign(grant, ttl)
    }

    async fn upload_part(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
    ) -> Result<PartInfo> {
        self.mp_upload_part(bucket, key, upload_id, part_number, body)
            .await
    }

    async fn list_parts(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<PartInfo>> {
        self.mp_list_parts(bucket, key, upload_id).await
    }

    async fn complete_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta> {
        self.mp_complete(bucket, key, upload_id, parts).await
    }

    async fn abort_multipart(&self, bucket: Bucket, key: &str, upload_id: &str) -> Result<()> {
        self.mp_abort(bucket, key, upload_id).await
    }

    fn local_path(&self, bucket: Bucket, key: &str) -> Option<PathBuf> {
        self.path(bucket, key).ok()
    }

    async fn check(&self) -> Result<()> {
        let mut dirs: Vec<PathBuf> = Bucket::ALL.iter().map(|b| self.bucket_dir(*b)).collect();
        dirs.push(self.tmp_dir());
        dirs.push(self.multipart_dir());
        blocking(move || {
            for d in dirs {
                if !d.is_dir() {
                    return Err(StorageError::Unavailable(format!(
                        "{} is not a directory",
                        d.display()
                    )));
                }
                rustix::fs::access(&d, rustix::fs::Access::WRITE_OK).map_err(|e| {
                    StorageError::Unavailable(format!("{} is not writable: {e}", d.display()))
                })?;
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Env};

    #[test]
    fn mm_answers_uploads_at_its_own_origin_and_names_buckets_by_area() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_env(&Env::from_pairs([
            ("MM_DATA_DIR", dir.path().to_str().unwrap()),
            ("MM_PUBLIC_URL", "https://mm.example.com:8443/base/"),
            ("MM_STAGING_BUCKET", "ignored-locally"),
        ]));
        let s = LocalStorage::new(&config).unwrap();
        assert_eq!(s.upload_origins(), ["https://mm.example.com:8443"]);
        assert_eq!(s.bucket_name(Bucket::Staging), "staging");
        assert_eq!(s.bucket_name(Bucket::Masters), "masters");
        assert!(!s.is_remote());
    }
}

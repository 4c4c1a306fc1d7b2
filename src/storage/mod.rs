//! Object storage: one trait over the three buckets, with a local-directory backend (default)
//! and an S3 backend. Nothing outside this module knows which client is underneath.

mod error;
mod keys;
pub mod local;
pub mod range;
pub mod s3;

pub use error::StorageError;
pub(crate) use keys::check_part_number;
pub use keys::{PreviewKey, content_disposition, encode_key, validate_key};
pub use range::{ByteRange, RangeRequest};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

pub use crate::config::LockMode;
use crate::config::{Config, StorageBackend};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A stream of object bytes, read or written without holding the object in memory.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// The three buckets of DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Staging,
    Masters,
    Previews,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Staging, Bucket::Masters, Bucket::Previews];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Staging => "staging",
            Bucket::Masters => "masters",
            Bucket::Previews => "previews",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// What storage knows about one stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
    /// Quoted entity tag, as S3 returns it.
    pub etag: String,
    #[serde(with = "time::serde::rfc3339")]
    pub last_modified: OffsetDateTime,
    pub content_type: Option<String>,
}

/// An object being read: its metadata, the range served (if any) and the body.
pub struct GetObject {
    pub meta: ObjectMeta,
    pub range: Option<ByteRange>,
    pub body: ByteStream,
}

#[derive(Clone, Debug, Default)]
pub struct PutOptions {
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    /// Keep the object undeletable until this time (S3 Object Lock; recorded by `local`).
    pub retention: Option<(LockMode, OffsetDateTime)>,
}

/// A URL a client may use without credentials until `expires_at`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PresignedUrl {
    pub url: String,
    pub method: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A part storage already holds for a multipart upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PartInfo {
    pub part_number: u32,
    pub etag: String,
    pub size: u64,
}

/// A part the client says it uploaded, for `complete_multipart`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Backend name for health output: `local` or `s3`.
    fn backend(&self) -> &'static str;

    /// The signer of the presigned URLs mm answers itself (`/storage/...`, local storage with
    /// `MM_SECRET_KEY`); `None` when another service answers them (S3) or none can be signed.
    fn own_url_signer(&self) -> Option<&local::presign::Signer> {
        None
    }

    /// The origins (`scheme://host[:port]`) a browser sends presigned PUTs to, for the page
    /// policy's `connect-src`: mm itself for local storage, the staging bucket's endpoint on S3.
    fn upload_origins(&self) -> Vec<String>;

    /// Whether reads cross the network (S3), so the edge keeps a disk cache in front of them;
    /// false when objects are files on this machine.
    fn is_remote(&self) -> bool {
        false
    }

    /// The name clients see for `bucket`: the configured bucket name on S3, the area name
    /// (`staging`, `masters`, `previews`) locally.
    fn bucket_name(&self, bucket: Bucket) -> String {
        bucket.as_str().to_string()
    }

    /// Writes an object from a stream; readers see the old object or the whole new one.
    async fn put(
        &self,
        bucket: Bucket,
        key: &str,
        body: ByteStream,
        opts: PutOptions,
    ) -> Result<ObjectMeta>;

    /// Reads an object, or one byte range of it.
    async fn get(
        &self,
        bucket: Bucket,
        key: &str,
        range: Option<RangeRequest>,
    ) -> Result<GetObject>;

    async fn head(&self, bucket: Bucket, key: &str) -> Result<ObjectMeta>;

    /// Server-side copy, within or across buckets (multipart copy for large objects on S3).
    async fn copy(
        &self,
        from: (Bucket, &str),
        to: (Bucket, &str),
        opts: PutOptions,
    ) -> Result<ObjectMeta>;

    /// Deletes an object; deleting a missing object is not an error.
    async fn delete(&self, bucket: Bucket, key: &str) -> Result<()>;

    /// Every object whose key starts with `prefix`, in key order.
    async fn list(&self, bucket: Bucket, prefix: &str) -> Result<Vec<ObjectMeta>>;

    /// A PUT URL; when `content_type` is given the client must send exactly that Content-Type.
    async fn presign_put(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        self.presign_put_sized(bucket, key, content_type, None, ttl)
            .await
    }

    /// Like `presign_put`, and the body must be exactly `size` bytes when given.
    async fn presign_put_sized(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
        size: Option<u64>,
        ttl: Duration,
    ) -> Result<PresignedUrl>;

    /// A GET URL; `download_name` asks the browser to save the file under that name.
    async fn presign_get(
        &self,
        bucket: Bucket,
        key: &str,
        download_name: Option<&str>,
        ttl: Duration,
    ) -> Result<PresignedUrl>;

    /// Starts a multipart upload and returns its upload id.
    async fn create_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String>;

    async fn presign_part(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        self.presign_part_sized(bucket, key, upload_id, part_number, None, ttl)
            .await
    }

    /// Like `presign_part`, and the part must be exactly `size` bytes when given.
    async fn presign_part_sized(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        size: Option<u64>,
        ttl: Duration,
    ) -> Result<PresignedUrl>;

    /// Stores one part of a multipart upload from a stream (what a presigned part URL does);
    /// uploading the same part number again replaces it.
    async fn upload_part(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
    ) -> Result<PartInfo>;

    async fn list_parts(&self, bucket: Bucket, key: &str, upload_id: &str)
    -> Result<Vec<PartInfo>>;

    async fn complete_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta>;

    async fn abort_multipart(&self, bucket: Bucket, key: &str, upload_id: &str) -> Result<()>;

    /// The file behind an object when storage is a local directory, for zero-copy serving and
    /// for handing ffmpeg a path; `None` on S3.
    fn local_path(&self, _bucket: Bucket, _key: &str) -> Option<PathBuf> {
        None
    }

    /// Cheap reachability check for `/api/ready`.
    async fn check(&self) -> Result<()>;
}

pub type DynStorage = Arc<dyn Storage>;

/// Builds the configured backend with full (api/worker) credentials.
pub async fn open(config: &Config) -> anyhow::Result<DynStorage> {
    Ok(match config.storage.backend {
        StorageBackend::Local => Arc::new(local::LocalStorage::new(config)?),
        StorageBackend::S3 => Arc::new(s3::S3Storage::new(&config.storage.s3, s3::Access::Full)?),
    })
}

/// Builds the backend the edge reads previews through (read-only credentials on S3).
pub async fn open_for_edge(config: &Config) -> anyhow::Result<DynStorage> {
    Ok(match config.storage.backend {
        StorageBackend::Local => Arc::new(local::LocalStorage::new(config)?),
        StorageBackend::S3 => Arc::new(s3::S3Storage::new(
            &config.storage.s3,
            s3::Access::EdgeReadOnly,
        )?),
    })
}

/// The smallest part S3 accepts, except for the last one; `local` enforces it too so that a
/// client that works on one box works on S3.
pub const MIN_PART_SIZE: u64 = 5 << 20;
/// The most parts one multipart upload may have.
pub const MAX_PARTS: u32 = 10_000;

/// Creates what the configured backend needs (directories, or buckets with CORS, lifecycle,
/// versioning and Object Lock) and returns one line per step, for `mm storage init`.
pub async fn init(config: &Config) -> anyhow::Result<Vec<String>> {
    match config.storage.backend {
        StorageBackend::Local => local::init(config),
        StorageBackend::S3 => {
            let mut lines = s3::init(config).await?;
            lines.push("storage init done; `mm check --role=api` verifies the CORS rules".into());
            Ok(lines)
        }
    }
}

/// What would stop browsers uploading (the S3 staging bucket's CORS rules), for `mm check`;
/// empty when uploads will work, and always with local storage (mm answers them itself).
pub async fn cors_problems(config: &Config) -> Vec<String> {
    match config.storage.backend {
        StorageBackend::Local => Vec::new(),
        StorageBackend::S3 => s3::cors_problems(config).await,
    }
}

/// Reads a whole (small) stream into memory; for manifests and tests, never for media.
pub async fn collect(mut body: ByteStream, limit: usize) -> Result<Vec<u8>> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(StorageError::Io)?;
        if out.len() + chunk.len() > limit {
            return Err(StorageError::TooLarge(limit as u64));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A stream over bytes already in memory.
pub fn bytes_stream(data: impl Into<Bytes>) -> ByteStream {
    let data: Bytes = data.into();
    Box::pin(futures_util::stream::once(async move { Ok(data) }))
}

//! The S3 backend: aws-sdk-s3 with a configurable endpoint, region and addressing (Wasabi,
//! MinIO, DO Spaces, AWS), one client per bucket because credentials are per bucket, the SDK's
//! standard retries (exponential backoff with jitter) and rustls with ring for TLS.

mod client;
mod copy;
mod errors;
mod init;
mod transfer;

pub use client::Access;
pub use init::{cors_problems, init};

use super::{
    Bucket, ByteStream, CompletedPart, GetObject, ObjectMeta, PartInfo, PresignedUrl, PutOptions,
    RangeRequest, Result, Storage, StorageError, check_part_number, validate_key,
};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::DateTime;
use std::collections::HashMap;
use std::time::Duration;
use time::OffsetDateTime;

/// One bucket: its client (with that bucket's credentials) and its name at the provider.
#[derive(Clone)]
pub(super) struct Target {
    pub client: Client,
    pub name: String,
}

pub struct S3Storage {
    targets: HashMap<Bucket, Target>,
    copy_limits: copy::CopyLimits,
    /// Where browsers PUT uploads: the staging bucket's endpoint, computed once at start.
    upload_origins: Vec<String>,
}

impl S3Storage {
    /// Lowers the size above which copies go part by part, so tests can reach that path
    /// without 5 GiB objects.
    #[doc(hidden)]
    pub fn with_copy_limits(mut self, single_max: u64, part: u64) -> Self {
        self.copy_limits = copy::CopyLimits { single_max, part };
        self
    }

    pub(super) fn target(&self, bucket: Bucket) -> Result<&Target> {
        self.targets.get(&bucket).ok_or_else(|| {
            StorageError::Backend(format!(
                "these credentials give no access to the {} bucket",
                bucket.as_str()
            ))
        })
    }
}

pub(super) fn to_time(dt: Option<&DateTime>) -> OffsetDateTime {
    dt.and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok())
        .unwrap_or_else(OffsetDateTime::now_utc)
}

pub(super) fn from_time(t: OffsetDateTime) -> DateTime {
    DateTime::from_secs(t.unix_timestamp())
}

fn presigning(ttl: Duration) -> Result<PresigningConfig> {
    PresigningConfig::expires_in(ttl)
        .map_err(|e| StorageError::InvalidInput(format!("presigned URL lifetime: {e}")))
}

fn presigned(req: aws_sdk_s3::presigning::PresignedRequest, ttl: Duration) -> PresignedUrl {
    PresignedUrl {
        url: req.uri().to_string(),
        method: if req.method() == "GET" { "GET" } else { "PUT" },
        expires_at: OffsetDateTime::now_utc() + ttl,
    }
}

use crate::storage::range::parse_content_range;

/// The SDK's body as mm's byte stream: chunks as they arrive, nothing buffered whole.
fn body_stream(body: aws_sdk_s3::primitives::ByteStream) -> ByteStream {
    Box::pin(futures_util::stream::unfold(body, |mut b| async move {
        b.next()
            .await
            .map(|r| (r.map_err(std::io::Error::other), b))
    }))
}

#[async_trait]
impl Storage for S3Storage {
    fn backend(&self) -> &'static str {
        "s3"
    }

    fn upload_origins(&self) -> Vec<String> {
        self.upload_origins.clone()
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn bucket_name(&self, bucket: Bucket) -> String {
        self.targets
            .get(&bucket)
            .map_or_else(|| bucket.as_str().to_string(), |t| t.name.clone())
    }

    async fn put(
        &self,
        bucket: Bucket,
        key: &str,
        body: ByteStream,
        opts: PutOptions,
    ) -> Result<ObjectMeta> {
        validate_key(key)?;
        transfer::put(self.target(bucket)?, key, body, &opts).await
    }

    async fn get(
        &self,
        bucket: Bucket,
        key: &str,
        range: Option<RangeRequest>,
    ) -> Result<GetObject> {
        validate_key(key)?;
        let t = self.target(bucket)?;
        // S3 ignores a range it cannot parse and sends everything; refuse those here instead.
        let impossible = matches!(range, Some(RangeRequest::FromTo(a, b)) if a > b)
            || range == Some(RangeRequest::Last(0));
        if impossible {
            let size = self.head(bucket, key).await?.size;
            return Err(StorageError::RangeNotSatisfiable { size });
        }
        let mut req = t.client.get_object().bucket(&t.name).key(key);
        if let Some(r) = range {
            req = req.range(r.header_value());
        }
        let out = match req.send().await {
            Ok(out) => out,
            Err(e) => {
                return Err(match errors::map(e, key) {
                    StorageError::RangeNotSatisfiable { .. } => {
                        let size = self.head(bucket, key).await?.size;
                        StorageError::RangeNotSatisfiable { size }
                    }
                    other => other,
                });
            }
        };
        let length = out.content_length().unwrap_or(0).max(0) as u64;
        let (range, size) = match out.content_range().and_then(parse_content_range) {
            Some((r, size)) if range.is_some() => (Some(r), size),
            _ => (None, length),
        };
        let meta = ObjectMeta {
            key: key.to_string(),
            size,
            etag: out.e_tag().unwrap_or_default().to_string(),
            last_modified: to_time(out.last_modified()),
            content_type: out.content_type().map(str::to_string),
        };
        Ok(GetObject {
            meta,
            range,
            body: body_stream(out.body),
        })
    }

    async fn head(&self, bucket: Bucket, key: &str) -> Result<ObjectMeta> {
        validate_key(key)?;
        transfer::head(self.target(bucket)?, key).await
    }

    async fn copy(
        &self,
        from: (Bucket, &str),
        to: (Bucket, &str),
        opts: PutOptions,
    ) -> Result<ObjectMeta> {
        validate_key(from.1)?;
        validate_key(to.1)?;
        let (src, dst) = (self.target(from.0)?, self.target(to.0)?);
        copy::copy(src, from.1, dst, to.1, &opts, self.copy_limits).await
    }

    async fn delete(&self, bucket: Bucket, key: &str) -> Result<()> {
        validate_key(key)?;
        let t = self.target(bucket)?;
        match t
            .client
            .delete_object()
            .bucket(&t.name)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match errors::map(e, key) {
                StorageError::NotFound(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    async fn list(&self, bucket: Bucket, prefix: &str) -> Result<Vec<ObjectMeta>> {
        let trimmed = prefix.trim_end_matches('/');
        if !trimmed.is_empty() {
            validate_key(trimmed)?;
        }
        let t = self.target(bucket)?;
        let mut pages = t
            .client
            .list_objects_v2()
            .bucket(&t.name)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| errors::map(e, prefix))?;
            for o in page.contents() {
                out.push(ObjectMeta {
                    key: o.key().unwrap_or_default().to_string(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    etag: o.e_tag().unwrap_or_default().to_string(),
                    last_modified: to_time(o.last_modified()),
                    content_type: None,
                });
            }
        }
        // S3 lists in UTF-8 byte order already; sorting keeps the promise on any provider.
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
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
        let t = self.target(bucket)?;
        let req = t
            .client
            .put_object()
            .bucket(&t.name)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .set_content_length(size.map(|s| s as i64))
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| errors::map(e, key))?;
        Ok(presigned(req, ttl))
    }

    async fn presign_get(
        &self,
        bucket: Bucket,
        key: &str,
        download_name: Option<&str>,
        ttl: Duration,
    ) -> Result<PresignedUrl> {
        validate_key(key)?;
        let t = self.target(bucket)?;
        let req = t
            .client
            .get_object()
            .bucket(&t.name)
            .key(key)
            .set_response_content_disposition(download_name.map(super::content_disposition))
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| errors::map(e, key))?;
        Ok(presigned(req, ttl))
    }

    async fn create_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        content_type: Option<&str>,
    ) -> Result<String> {
        validate_key(key)?;
        let t = self.target(bucket)?;
        let out = t
            .client
            .create_multipart_upload()
            .bucket(&t.name)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .send()
            .await
            .map_err(|e| errors::map(e, key))?;
        out.upload_id()
            .map(str::to_string)
            .ok_or_else(|| StorageError::Backend("CreateMultipartUpload gave no upload id".into()))
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
        check_part_number(part_number)?;
        let t = self.target(bucket)?;
        let req = t
            .client
            .upload_part()
            .bucket(&t.name)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number as i32)
            .set_content_length(size.map(|s| s as i64))
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| errors::map(e, upload_id))?;
        Ok(presigned(req, ttl))
    }

    async fn upload_part(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
    ) -> Result<PartInfo> {
        validate_key(key)?;
        check_part_number(part_number)?;
        transfer::upload_part_spooled(self.target(bucket)?, key, upload_id, part_number, body).await
    }

    async fn list_parts(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<PartInfo>> {
        validate_key(key)?;
        transfer::list_parts(self.target(bucket)?, key, upload_id).await
    }

    async fn complete_multipart(
        &self,
        bucket: Bucket,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<ObjectMeta> {
        validate_key(key)?;
        if parts.is_empty() {
            return Err(StorageError::InvalidPart("no parts were listed".into()));
        }
        let t = self.target(bucket)?;
        transfer::complete(t, key, upload_id, parts).await?;
        transfer::head(t, key).await
    }

    async fn abort_multipart(&self, bucket: Bucket, key: &str, upload_id: &str) -> Result<()> {
        validate_key(key)?;
        let t = self.target(bucket)?;
        t.client
            .abort_multipart_upload()
            .bucket(&t.name)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| errors::map(e, upload_id))?;
        Ok(())
    }

    async fn check(&self) -> Result<()> {
        for t in self.targets.values() {
            t.client
                .head_bucket()
                .bucket(&t.name)
                .send()
                .await
                .map_err(|e| errors::map(e, &t.name))?;
        }
        Ok(())
    }
}

//! Server-side copies on S3: CopyObject up to 5 GiB, UploadPartCopy in parallel above, the
//! content type kept (or replaced when asked) and the retention applied; when the destination's
//! credentials cannot read the source, the object is streamed through mm instead.

use super::transfer::{self, complete, head, lock_mode};
use super::{Target, errors, from_time};
use crate::storage::{
    CompletedPart, ObjectMeta, PutOptions, RangeRequest, Result, StorageError, encode_key,
};
use aws_sdk_s3::types::MetadataDirective;
use futures_util::{StreamExt, TryStreamExt};

/// How many parts of a multipart copy run at once.
const COPY_PARALLEL: usize = 4;

#[derive(Clone, Copy, Debug)]
pub(super) struct CopyLimits {
    /// The largest object copied with one CopyObject (S3 allows 5 GiB).
    pub single_max: u64,
    /// Part size of a multipart copy.
    pub part: u64,
}

impl Default for CopyLimits {
    fn default() -> Self {
        Self {
            single_max: 5 << 30,
            part: 512 << 20,
        }
    }
}

pub(super) async fn copy(
    src: &Target,
    src_key: &str,
    dst: &Target,
    dst_key: &str,
    opts: &PutOptions,
    limits: CopyLimits,
) -> Result<ObjectMeta> {
    let source = head(src, src_key).await?;
    let copy_source = format!("{}/{}", src.name, encode_key(src_key));
    let content_type = opts.content_type.clone().or(source.content_type.clone());
    let result = if source.size <= limits.single_max {
        let mut req = dst
            .client
            .copy_object()
            .bucket(&dst.name)
            .key(dst_key)
            .copy_source(&copy_source);
        if opts.content_type.is_some() || opts.cache_control.is_some() {
            req = req
                .metadata_directive(MetadataDirective::Replace)
                .set_content_type(content_type.clone())
                .set_cache_control(opts.cache_control.clone());
        }
        if let Some((mode, until)) = opts.retention {
            req = req
                .object_lock_mode(lock_mode(mode))
                .object_lock_retain_until_date(from_time(until));
        }
        req.send().await.map(drop).map_err(|e| {
            (
                errors::code(&e).map(str::to_string),
                errors::map(e, src_key),
            )
        })
    } else {
        copy_multipart(
            &copy_source,
            source.size,
            limits.part,
            dst,
            dst_key,
            content_type.clone(),
            opts,
        )
        .await
        .map_err(|e| (None, e))
    };
    match result {
        Ok(()) => head(dst, dst_key).await,
        // Per-bucket credentials may not let the destination's key read the source: stream the
        // object through mm instead (memory bounded by one part).
        Err((Some(code), _)) if code == "AccessDenied" => {
            let out = src
                .client
                .get_object()
                .bucket(&src.name)
                .key(src_key)
                .send()
                .await
                .map_err(|e| errors::map(e, src_key))?;
            let body = super::body_stream(out.body);
            let opts = PutOptions {
                content_type,
                ..opts.clone()
            };
            transfer::put(dst, dst_key, body, &opts).await
        }
        Err((_, e)) => Err(e),
    }
}

/// Copies through the destination's client, part by part (`copy_source` names the source).
async fn copy_multipart(
    copy_source: &str,
    size: u64,
    part: u64,
    dst: &Target,
    dst_key: &str,
    content_type: Option<String>,
    opts: &PutOptions,
) -> Result<()> {
    let mut req = dst
        .client
        .create_multipart_upload()
        .bucket(&dst.name)
        .key(dst_key)
        .set_content_type(content_type)
        .set_cache_control(opts.cache_control.clone());
    if let Some((mode, until)) = opts.retention {
        req = req
            .object_lock_mode(lock_mode(mode))
            .object_lock_retain_until_date(from_time(until));
    }
    let id = req
        .send()
        .await
        .map_err(|e| errors::map(e, dst_key))?
        .upload_id()
        .map(str::to_string)
        .ok_or_else(|| StorageError::Backend("CreateMultipartUpload gave no upload id".into()))?;
    let count = size.div_ceil(part);
    let id_ref = &id;
    let result = async {
        let mut parts: Vec<CompletedPart> = futures_util::stream::iter(0..count)
            .map(|i| async move {
                let start = i * part;
                let end = (start + part).min(size) - 1;
                let out = dst
                    .client
                    .upload_part_copy()
                    .bucket(&dst.name)
                    .key(dst_key)
                    .upload_id(id_ref)
                    .part_number(i as i32 + 1)
                    .copy_source(copy_source)
                    .copy_source_range(RangeRequest::FromTo(start, end).header_value())
                    .send()
                    .await
                    .map_err(|e| errors::map(e, copy_source))?;
                let etag = out
                    .copy_part_result()
                    .and_then(|r| r.e_tag())
                    .unwrap_or_default()
                    .to_string();
                Ok::<_, StorageError>(CompletedPart {
                    part_number: i as u32 + 1,
                    etag,
                })
            })
            .buffer_unordered(COPY_PARALLEL)
            .try_collect()
            .await?;
        parts.sort_by_key(|p| p.part_number);
        complete(dst, dst_key, id_ref, &parts).await
    }
    .await;
    if result.is_err() {
        let _ = dst
            .client
            .abort_multipart_upload()
            .bucket(&dst.name)
            .key(dst_key)
            .upload_id(&id)
            .send()
            .await;
    }
    result
}

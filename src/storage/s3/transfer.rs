//! Moving bytes on S3: streamed puts (one PutObject when small, multipart otherwise, memory
//! bounded by one part), parts uploaded from a stream, and the multipart bookkeeping calls.

use super::{Target, errors, from_time, to_time};
use crate::storage::{
    ByteStream, CompletedPart, LockMode, ObjectMeta, PartInfo, PutOptions, Result, StorageError,
};
use aws_sdk_s3::primitives::ByteStream as SdkBody;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart as SdkPart, ObjectLockMode,
};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use time::OffsetDateTime;

/// Part size of a streamed put; it doubles every 2,000 parts so that 10,000 parts reach
/// about 500 GiB, while memory holds one part at a time.
const PUT_PART: usize = 8 << 20;

pub(super) fn lock_mode(m: LockMode) -> ObjectLockMode {
    match m {
        LockMode::Governance => ObjectLockMode::Governance,
        LockMode::Compliance => ObjectLockMode::Compliance,
    }
}

pub(super) async fn head(t: &Target, key: &str) -> Result<ObjectMeta> {
    let out = t
        .client
        .head_object()
        .bucket(&t.name)
        .key(key)
        .send()
        .await
        .map_err(|e| errors::map(e, key))?;
    Ok(ObjectMeta {
        key: key.to_string(),
        size: out.content_length().unwrap_or(0).max(0) as u64,
        etag: out.e_tag().unwrap_or_default().to_string(),
        last_modified: to_time(out.last_modified()),
        content_type: out.content_type().map(str::to_string),
    })
}

/// Cuts a stream into parts of a requested size.
struct Chunker {
    body: ByteStream,
    pending: Option<Bytes>,
}

impl Chunker {
    /// The next `size` bytes (fewer at the end); `None` once the stream is exhausted.
    async fn next_part(&mut self, size: usize) -> Result<Option<Bytes>> {
        let mut buf = BytesMut::new();
        if let Some(p) = self.pending.take() {
            buf.extend_from_slice(&p);
        }
        while buf.len() < size {
            match self.body.next().await {
                Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                Some(Err(e)) => return Err(StorageError::Io(e)),
                None => break,
            }
        }
        if buf.len() > size {
            self.pending = Some(buf.split_off(size).freeze());
        }
        Ok((!buf.is_empty()).then(|| buf.freeze()))
    }
}

fn part_size(n: u32) -> usize {
    PUT_PART << ((n.saturating_sub(1)) / 2000).min(4)
}

pub(super) async fn put(
    t: &Target,
    key: &str,
    body: ByteStream,
    opts: &PutOptions,
) -> Result<ObjectMeta> {
    let mut chunker = Chunker {
        body,
        pending: None,
    };
    let first = chunker.next_part(part_size(1)).await?.unwrap_or_default();
    let Some(second) = chunker.next_part(part_size(2)).await? else {
        return put_single(t, key, first, opts).await;
    };
    let mut req = t
        .client
        .create_multipart_upload()
        .bucket(&t.name)
        .key(key)
        .set_content_type(opts.content_type.clone())
        .set_cache_control(opts.cache_control.clone());
    if let Some((mode, until)) = opts.retention {
        req = req
            .object_lock_mode(lock_mode(mode))
            .object_lock_retain_until_date(from_time(until));
    }
    let upload_id = req
        .send()
        .await
        .map_err(|e| errors::map(e, key))?
        .upload_id()
        .map(str::to_string)
        .ok_or_else(|| StorageError::Backend("CreateMultipartUpload gave no upload id".into()))?;
    let result = async {
        let mut parts = Vec::new();
        let mut size = 0u64;
        let mut next = Some(first);
        let mut after = Some(second);
        let mut n = 1u32;
        while let Some(data) = next.take() {
            size += data.len() as u64;
            let etag = upload_part(t, key, &upload_id, n, SdkBody::from(data)).await?;
            parts.push(CompletedPart {
                part_number: n,
                etag,
            });
            n += 1;
            next = match after.take() {
                Some(d) => Some(d),
                None => chunker.next_part(part_size(n)).await?,
            };
        }
        complete(t, key, &upload_id, &parts).await?;
        Ok::<_, StorageError>(size)
    }
    .await;
    match result {
        Ok(size) => {
            let mut meta = head(t, key).await?;
            meta.size = size;
            Ok(meta)
        }
        Err(e) => {
            // Parts of a failed upload are billed until aborted.
            let _ = t
                .client
                .abort_multipart_upload()
                .bucket(&t.name)
                .key(key)
                .upload_id(&upload_id)
                .send()
                .await;
            Err(e)
        }
    }
}

async fn put_single(t: &Target, key: &str, data: Bytes, opts: &PutOptions) -> Result<ObjectMeta> {
    let size = data.len() as u64;
    let mut req = t
        .client
        .put_object()
        .bucket(&t.name)
        .key(key)
        .content_length(size as i64)
        .set_content_type(opts.content_type.clone())
        .set_cache_control(opts.cache_control.clone())
        .body(SdkBody::from(data));
    if let Some((mode, until)) = opts.retention {
        // S3 wants a checksum on any write that sets a retention.
        req = req
            .object_lock_mode(lock_mode(mode))
            .object_lock_retain_until_date(from_time(until))
            .checksum_algorithm(ChecksumAlgorithm::Crc32);
    }
    let out = req.send().await.map_err(|e| errors::map(e, key))?;
    Ok(ObjectMeta {
        key: key.to_string(),
        size,
        etag: out.e_tag().unwrap_or_default().to_string(),
        last_modified: OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        content_type: opts.content_type.clone(),
    })
}

async fn upload_part(t: &Target, key: &str, id: &str, n: u32, body: SdkBody) -> Result<String> {
    let out = t
        .client
        .upload_part()
        .bucket(&t.name)
        .key(key)
        .upload_id(id)
        .part_number(n as i32)
        .body(body)
        .send()
        .await
        .map_err(|e| errors::map(e, id))?;
    Ok(out.e_tag().unwrap_or_default().to_string())
}

/// A part from a stream of unknown length: spooled to a temp file first (S3 needs the length
/// up front), so memory stays small whatever the part's size.
pub(super) async fn upload_part_spooled(
    t: &Target,
    key: &str,
    id: &str,
    n: u32,
    mut body: ByteStream,
) -> Result<PartInfo> {
    use tokio::io::AsyncWriteExt;
    let path = std::env::temp_dir().join(format!("mm-part-{}", uuid::Uuid::new_v4().simple()));
    struct Remove(std::path::PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _guard = Remove(path.clone());
    let mut file =
        tokio::io::BufWriter::with_capacity(1 << 20, tokio::fs::File::create(&path).await?);
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    drop(file);
    let sdk_body = SdkBody::from_path(&path)
        .await
        .map_err(|e| StorageError::Backend(format!("reading spooled part: {e}")))?;
    let etag = upload_part(t, key, id, n, sdk_body).await?;
    Ok(PartInfo {
        part_number: n,
        etag,
        size,
    })
}

pub(super) async fn list_parts(t: &Target, key: &str, id: &str) -> Result<Vec<PartInfo>> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = t
            .client
            .list_parts()
            .bucket(&t.name)
            .key(key)
            .upload_id(id)
            .set_part_number_marker(marker.take())
            .send()
            .await
            .map_err(|e| errors::map(e, id))?;
        for p in page.parts() {
            out.push(PartInfo {
                part_number: p.part_number().unwrap_or(0).max(0) as u32,
                etag: p.e_tag().unwrap_or_default().to_string(),
                size: p.size().unwrap_or(0).max(0) as u64,
            });
        }
        match (page.is_truncated(), page.next_part_number_marker()) {
            (Some(true), Some(m)) => marker = Some(m.to_string()),
            _ => break,
        }
    }
    out.sort_by_key(|p| p.part_number);
    Ok(out)
}

pub(super) async fn complete(
    t: &Target,
    key: &str,
    id: &str,
    parts: &[CompletedPart],
) -> Result<()> {
    let upload = CompletedMultipartUpload::builder()
        .set_parts(Some(
            parts
                .iter()
                .map(|p| {
                    SdkPart::builder()
                        .part_number(p.part_number as i32)
                        .e_tag(&p.etag)
                        .build()
                })
                .collect(),
        ))
        .build();
    t.client
        .complete_multipart_upload()
        .bucket(&t.name)
        .key(key)
        .upload_id(id)
        .multipart_upload(upload)
        .send()
        .await
        .map_err(|e| errors::map(e, id))?;
    Ok(())
}

//! Filling the disk cache from the origin: one GET per object, streamed into a temp file
//! behind its header, length-checked, then renamed into place and indexed.

use super::entry::{Meta, object_path};
use super::index::Hash;
use super::{FillError, Filled, Inner, MAX_LARGE_KEYS};
use crate::storage::{Bucket, ByteStream};
use futures_util::StreamExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::AsyncWriteExt;

impl Inner {
    pub(super) async fn fill_object(&self, h: &Hash, key: &str) -> Result<Filled, FillError> {
        self.metrics.origin_fetches.inc();
        let start = Instant::now();
        let got = tokio::time::timeout(self.timeout, self.storage.get(Bucket::Previews, key, None))
            .await
            .map_err(|_| FillError::Timeout)??;
        self.origin_seconds
            .with_label_values(&["get"])
            .observe(start.elapsed().as_secs_f64());
        if got.meta.size > self.max_object {
            let mut large = self.large.lock().unwrap_or_else(|p| p.into_inner());
            if large.len() >= MAX_LARGE_KEYS {
                large.clear();
            }
            large.insert(*h);
            return Ok(Filled::TooLarge);
        }
        let meta = Meta {
            key: key.to_string(),
            size: got.meta.size,
            etag: got.meta.etag.clone(),
            last_modified: got.meta.last_modified.unix_timestamp(),
        };
        let header = meta.header();
        let tmp = self.tmp.join(uuid::Uuid::new_v4().simple().to_string());
        let dest = object_path(&self.objects, h);
        let written = self.write(&tmp, &dest, &header, &meta, got.body).await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        let file_len = header.len() as u64 + meta.size;
        self.lock().insert(
            *h,
            file_len,
            Some((Arc::new(meta), header.len() as u64)),
            true,
        );
        self.evict(Some(h));
        self.metrics
            .fill_seconds
            .observe(start.elapsed().as_secs_f64());
        Ok(Filled::Cached)
    }

    /// Streams the body into `tmp` behind its header, checks the length, then renames it into
    /// place: readers see no file or a whole one.
    async fn write(
        &self,
        tmp: &Path,
        dest: &Path,
        header: &[u8],
        meta: &Meta,
        mut body: ByteStream,
    ) -> Result<(), FillError> {
        let io = |e: std::io::Error| FillError::Disk(e.to_string());
        let file = tokio::fs::File::create(tmp).await.map_err(io)?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
        out.write_all(header).await.map_err(io)?;
        let mut got = 0u64;
        loop {
            let chunk = match tokio::time::timeout(self.timeout, body.next()).await {
                Err(_) => return Err(FillError::Timeout),
                Ok(None) => break,
                Ok(Some(c)) => c.map_err(|e| FillError::Origin(e.to_string()))?,
            };
            got += chunk.len() as u64;
            if got > meta.size {
                break;
            }
            out.write_all(&chunk).await.map_err(io)?;
        }
        if got != meta.size {
            return Err(FillError::Origin(format!(
                "the origin sent {got} bytes of {}",
                meta.size
            )));
        }
        out.flush().await.map_err(io)?;
        drop(out);
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(io)?;
        }
        tokio::fs::rename(tmp, dest).await.map_err(io)
    }
}

//! The storage contract: one suite of checks written against `&dyn Storage`, run against the
//! local backend (a temp directory, presigned URLs answered by a spawned api role) and the S3
//! backend (a moto_server on loopback, buckets made by `storage init`).

use crate::harness::{Moto, TestApp};
use bytes::Bytes;
use futures_util::StreamExt;
use mm::config::Role;
use mm::storage::s3::{Access, S3Storage};
use mm::storage::{
    Bucket, ByteStream, DynStorage, PutOptions, RangeRequest, Storage, StorageError,
};
use std::time::Duration;

mod multipart;
mod objects;

pub const MIB: usize = 1 << 20;
pub const TTL: Duration = Duration::from_secs(300);

/// A backend under test and what its presigned URLs need.
pub struct Fixture {
    pub storage: DynStorage,
    pub http: reqwest::Client,
    _app: Option<TestApp>,
    _moto: Option<Moto>,
}

impl Fixture {
    pub async fn local() -> Self {
        let app = TestApp::spawn(Role::Api).await;
        let storage = mm::storage::open(&app.config()).await.unwrap();
        Self {
            storage,
            http: reqwest::Client::new(),
            _app: Some(app),
            _moto: None,
        }
    }

    pub async fn s3() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let moto = Moto::start();
        let config = moto.initialized_config().await;
        // As `storage::open` builds it, with copies above 5 MiB going part by part so that
        // the multipart copy path runs without 5 GiB objects.
        let s3 = S3Storage::new(&config.storage.s3, Access::Full)
            .unwrap()
            .with_copy_limits(5 << 20, 5 << 20);
        let storage: DynStorage = std::sync::Arc::new(s3);
        Self {
            storage,
            http: reqwest::Client::new(),
            _app: None,
            _moto: Some(moto),
        }
    }

    pub fn s(&self) -> &dyn Storage {
        self.storage.as_ref()
    }
}

/// A stream over `data` in chunks of `chunk` bytes, as a network body arrives.
pub fn chunked(data: &[u8], chunk: usize) -> ByteStream {
    let chunks: Vec<std::io::Result<Bytes>> = data
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures_util::stream::iter(chunks))
}

pub async fn read_all(mut body: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(c) = body.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

pub async fn put(s: &dyn Storage, b: Bucket, key: &str, data: &[u8], ct: Option<&str>) -> String {
    let opts = PutOptions {
        content_type: ct.map(str::to_string),
        ..PutOptions::default()
    };
    s.put(b, key, chunked(data, 64 * 1024), opts)
        .await
        .unwrap()
        .etag
}

pub async fn get_range(
    s: &dyn Storage,
    key: &str,
    r: RangeRequest,
) -> Result<(u64, u64, Vec<u8>), StorageError> {
    let obj = s.get(Bucket::Previews, key, Some(r)).await?;
    let range = obj.range.expect("a range was served");
    let size = obj.meta.size;
    assert_eq!(
        range.start + read_all(obj.body).await.len() as u64 - 1,
        range.end
    );
    let again = s.get(Bucket::Previews, key, Some(r)).await?;
    Ok((range.start, size, read_all(again.body).await))
}

macro_rules! contract {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$module::$name(&super::Fixture::local().await).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$module::$name(&super::Fixture::s3().await).await;
                }
            )*
        }
    };
}

contract!(
    objects::streamed_round_trip_and_head,
    objects::ranges,
    objects::copy_across_buckets,
    objects::delete_is_idempotent,
    objects::list_by_prefix_in_key_order,
    objects::overwrite_is_atomic,
    objects::invalid_keys_are_rejected,
    multipart::multipart_round_trip,
    multipart::multipart_complete_checks_parts,
    multipart::abort_then_complete_fails,
    multipart::presigned_put_and_get,
    multipart::presigned_parts,
    multipart::large_copies_go_part_by_part,
);

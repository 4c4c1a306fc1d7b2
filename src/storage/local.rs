//! PLACEHOLDER: replaced by the real backend.
use super::*;
use async_trait::async_trait;
use std::time::Duration;
const NAME: &str = "local";
fn pending() -> StorageError {
    StorageError::Backend("backend being written".into())
}
pub struct LocalStorage;
impl LocalStorage {
    pub fn new(_c: &crate::config::Config) -> anyhow::Result<Self> {
        Ok(Self)
    }
}
#[async_trait]
impl Storage for LocalStorage {
    fn backend(&self) -> &'static str {
        NAME
    }
    async fn put(
        &self,
        _b: Bucket,
        _k: &str,
        _body: ByteStream,
        _o: PutOptions,
    ) -> Result<ObjectMeta> {
        Err(pending())
    }
    async fn get(&self, _b: Bucket, _k: &str, _r: Option<RangeRequest>) -> Result<GetObject> {
        Err(pending())
    }
    async fn head(&self, _b: Bucket, _k: &str) -> Result<ObjectMeta> {
        Err(pending())
    }
    async fn copy(
        &self,
        _f: (Bucket, &str),
        _t: (Bucket, &str),
        _o: PutOptions,
    ) -> Result<ObjectMeta> {
        Err(pending())
    }
    async fn delete(&self, _b: Bucket, _k: &str) -> Result<()> {
        Err(pending())
    }
    async fn list(&self, _b: Bucket, _p: &str) -> Result<Vec<ObjectMeta>> {
        Err(pending())
    }
    async fn presign_put(
        &self,
        _b: Bucket,
        _k: &str,
        _c: Option<&str>,
        _t: Duration,
    ) -> Result<PresignedUrl> {
        Err(pending())
    }
    async fn presign_get(
        &self,
        _b: Bucket,
        _k: &str,
        _d: Option<&str>,
        _t: Duration,
    ) -> Result<PresignedUrl> {
        Err(pending())
    }
    async fn create_multipart(&self, _b: Bucket, _k: &str, _c: Option<&str>) -> Result<String> {
        Err(pending())
    }
    async fn presign_part(
        &self,
        _b: Bucket,
        _k: &str,
        _u: &str,
        _n: u32,
        _t: Duration,
    ) -> Result<PresignedUrl> {
        Err(pending())
    }
    async fn list_parts(&self, _b: Bucket, _k: &str, _u: &str) -> Result<Vec<PartInfo>> {
        Err(pending())
    }
    async fn complete_multipart(
        &self,
        _b: Bucket,
        _k: &str,
        _u: &str,
        _p: &[CompletedPart],
    ) -> Result<ObjectMeta> {
        Err(pending())
    }
    async fn abort_multipart(&self, _b: Bucket, _k: &str, _u: &str) -> Result<()> {
        Err(pending())
    }
    async fn check(&self) -> Result<()> {
        Err(pending())
    }
}

//! Where the jobs that redo one part of a ready preview (poster, audio mapping) start: the
//! version, still ready, with its probed metadata, and the manifest it was published with.

use crate::db::models::version::{self, Version};
use crate::media::TechnicalMetadata;
use crate::media::pipeline::{MANIFEST, Manifest};
use crate::previews;
use crate::queue::{JobContext, JobError};
use crate::storage::{self, Bucket};
use uuid::Uuid;

/// The longest manifest read back.
const MANIFEST_LIMIT: usize = 4 << 20;

pub struct ReadyPreview {
    pub version: Version,
    pub meta: TechnicalMetadata,
    /// `previews/<asset>/<version>`.
    pub prefix: String,
}

impl ReadyPreview {
    /// The version `version_id` of `asset_id`; fatal when it is gone, not ready or unprobed.
    pub async fn load(
        ctx: &JobContext,
        asset_id: Uuid,
        version_id: Uuid,
    ) -> Result<Self, JobError> {
        let version = ctx
            .state
            .db
            .run(move |c| version::find(c, version_id))
            .await?
            .filter(|v| v.asset_id == asset_id)
            .ok_or_else(|| JobError::Fatal("The version no longer exists.".into()))?;
        if version.status != "ready" {
            return Err(JobError::Fatal(
                "The preview is not ready; make it first.".into(),
            ));
        }
        let meta: TechnicalMetadata = version
            .technical
            .clone()
            .and_then(|t| serde_json::from_value(t).ok())
            .ok_or_else(|| JobError::Fatal("The master has no technical metadata.".into()))?;
        Ok(Self {
            version,
            meta,
            prefix: previews::prefix(asset_id, version_id),
        })
    }

    /// The key of the published `manifest.json`.
    pub fn manifest_key(&self) -> String {
        format!("{}/{MANIFEST}", self.prefix)
    }

    /// The published manifest, as it is now.
    pub async fn manifest(&self, ctx: &JobContext) -> Result<Manifest, JobError> {
        let current = ctx
            .state
            .storage
            .get(Bucket::Previews, &self.manifest_key(), None)
            .await?;
        let raw = storage::collect(current.body, MANIFEST_LIMIT).await?;
        serde_json::from_slice(&raw)
            .map_err(|e| JobError::Fatal(format!("the published manifest is unreadable: {e}")))
    }
}

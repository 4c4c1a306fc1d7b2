//! `remove_asset_files`: after an asset is deleted, removes its previews, its leftover
//! staging copies, and every master no retention protects. A master under Object Lock stays.

use crate::db::models::version;
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::storage::{Bucket, PreviewKey};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RemoveAssetFiles {
    pub asset_id: Uuid,
}

impl Job for RemoveAssetFiles {
    const KIND: &'static str = "remove_asset_files";

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: None,
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let asset_id = self.asset_id;
        let previews = st
            .storage
            .list(Bucket::Previews, &PreviewKey::asset_dir(asset_id))
            .await?;
        for obj in previews {
            st.storage.delete(Bucket::Previews, &obj.key).await?;
        }
        let versions = st.db.run(move |c| version::for_asset(c, asset_id)).await?;
        let now = OffsetDateTime::now_utc();
        for v in versions {
            // Staging keeps a copy only when promotion never finished (a mismatch, a failure).
            st.storage.delete(Bucket::Staging, &v.staging_key).await?;
            if v.is_retained(now) {
                tracing::info!(version_id = %v.id, retain_until = ?v.retain_until, "master kept: under retention");
                continue;
            }
            match st.storage.delete(Bucket::Masters, &v.master_key).await {
                Ok(()) => {}
                // The bucket's own default retention may be longer than ours: it wins.
                Err(crate::storage::StorageError::Retained(until)) => {
                    tracing::info!(version_id = %v.id, %until, "master kept: storage retains it");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

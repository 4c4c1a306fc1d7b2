//! Every job kind this build runs: one file per kind, one line each in `HANDLERS`.

pub mod audio_mapping;
pub mod poster;
pub mod preview;
pub mod promote;
pub mod remove_files;
pub mod webhook;

use super::{Handler, JobContext, JobError};
use crate::db::models::version::{self, Version};
use crate::media::TechnicalMetadata;
use uuid::Uuid;

/// The dispatch table. Adding a kind is one line here; a kind missing from it is left queued
/// for a build that has it.
pub static HANDLERS: &[Handler] = &[
    Handler::of::<promote::Promote>(),
    Handler::of::<preview::Preview>(),
    Handler::of::<poster::Poster>(),
    Handler::of::<audio_mapping::AudioRemap>(),
    Handler::of::<remove_files::RemoveAssetFiles>(),
    Handler::of::<webhook::WebhookDelivery>(),
];

/// The version a re-render job works on (a poster, an audio mapping): still this asset's, its
/// preview ready, with the master's technical metadata. Anything else is final for the job.
async fn ready_version(
    ctx: &JobContext,
    asset_id: Uuid,
    version_id: Uuid,
) -> Result<(Version, TechnicalMetadata), JobError> {
    let mut v = ctx
        .state
        .db
        .run(move |c| version::find(c, version_id))
        .await?
        .filter(|v| v.asset_id == asset_id)
        .ok_or_else(|| JobError::Fatal("The version no longer exists.".into()))?;
    if v.status != "ready" {
        return Err(JobError::Fatal(
            "The preview is not ready; make it first.".into(),
        ));
    }
    let meta = v
        .technical
        .take()
        .and_then(|t| serde_json::from_value(t).ok())
        .ok_or_else(|| JobError::Fatal("The master has no technical metadata.".into()))?;
    Ok((v, meta))
}

//! `proxy-mp4`: makes the download a share link's `proxy` permission gives, once per version:
//! the ladder's proxy rung (`media::proxy`) fetched from the published preview, copied into a
//! progressive MP4 and stored beside it as `proxy.mp4`, recorded in `manifest.json` (a full
//! re-render drops it with the rest, an audio re-render drops it too). Queued when a link that
//! allows downloads is made or changed, and by a download that finds none. Running it twice
//! gives the same result.

use super::audio_mapping::fetch;
use super::preview::job_error;
use super::ready::ReadyPreview;
use crate::db::DbError;
use crate::db::models::job as jobs;
use crate::media::Tools;
use crate::media::pipeline::OutputFile;
use crate::media::proxy::{self, PROXY, ProxyInfo};
use crate::previews::workdir;
use crate::queue::{self, Job, JobContext, JobError, Subject};
use crate::state::AppState;
use crate::storage::{self, Bucket, PutOptions};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kind, by name: downloads look for a queued one before queueing another.
pub const PROXY_KIND: &str = "proxy-mp4";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProxyMp4 {
    pub asset_id: Uuid,
    pub version_id: Uuid,
}

/// Queues the proxy of a version unless one is already queued or running for it.
pub async fn ensure(state: &AppState, asset_id: Uuid, version_id: Uuid) -> Result<(), DbError> {
    let pending = state
        .db
        .run(move |c| jobs::pending_of_kind(c, version_id, PROXY_KIND))
        .await?;
    if !pending {
        queue::enqueue(
            state,
            &ProxyMp4 {
                asset_id,
                version_id,
            },
        )
        .await?;
    }
    Ok(())
}

impl Job for ProxyMp4 {
    const KIND: &'static str = PROXY_KIND;

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let ready = ReadyPreview::load(ctx, self.asset_id, self.version_id).await?;
        let (meta, prefix) = (&ready.meta, &ready.prefix);
        let manifest = ready.manifest(ctx).await?;
        if proxy::current(&manifest).is_some() {
            return Ok(());
        }
        let rung = proxy::proxy_rung(&manifest)
            .cloned()
            .ok_or_else(|| JobError::Fatal("This version has no video rung to copy.".into()))?;
        let temp = workdir::create(&st.config.preview.work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let (input, out) = (temp.path().join("rung.mp4"), temp.path().join(PROXY));
        fetch(st, &format!("{prefix}/{}", rung.mp4), &input).await?;
        ctx.progress(40.0, None).await;
        let tools = Tools::from_config(&st.config.preview);
        let fps = meta.video.as_ref().map(|v| v.frame_rate);
        crate::media::sanity::Bounds::new(meta.duration, fps, &st.config.limits, None)
            .scope(proxy::remux(&tools, &input, &out))
            .await
            .map_err(job_error)?;
        let size = tokio::fs::metadata(&out)
            .await
            .map_err(|e| JobError::Retry(format!("reading the proxy: {e}")))?
            .len();
        crate::previews::publish::put_file(&st.storage, prefix, temp.path(), PROXY, "video/mp4")
            .await?;
        // Read again just before it is replaced: another job may have changed it meanwhile.
        let mut manifest = ready.manifest(ctx).await?;
        if proxy::proxy_rung(&manifest).map(|r| &r.name) != Some(&rung.name) {
            return Err(JobError::Retry("the ladder changed meanwhile".into()));
        }
        manifest.files.retain(|f| f.path != PROXY);
        manifest.files.push(OutputFile {
            path: PROXY.into(),
            size,
            content_type: "video/mp4".into(),
        });
        manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
        manifest.proxy = Some(ProxyInfo {
            path: PROXY.into(),
            rung: rung.name.clone(),
            height: rung.height.unwrap_or(0),
            size,
        });
        let json = serde_json::to_vec_pretty(&manifest).expect("serializable");
        st.storage
            .put(
                Bucket::Previews,
                &ready.manifest_key(),
                storage::bytes_stream(json),
                PutOptions {
                    content_type: Some("application/json".into()),
                    ..Default::default()
                },
            )
            .await?;
        ctx.progress(100.0, None).await;
        Ok(())
    }
}

//! `poster`: re-renders a ready preview's poster at a chosen time (`POST
//! /api/assets/{id}/poster`), replaces `poster.jpg` and records the new size and time in
//! `manifest.json`. Running it twice gives the same result.

use super::preview::job_error;
use super::ready::ReadyPreview;
use crate::media::Tools;
use crate::media::pipeline::{self, OutputFile, POSTER};
use crate::previews::{source, workdir};
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::storage::{self, Bucket, PutOptions};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Poster {
    pub asset_id: Uuid,
    pub version_id: Uuid,
    /// Seconds into the media.
    pub time: f64,
}

impl Job for Poster {
    const KIND: &'static str = "poster";

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let ready = ReadyPreview::load(ctx, self.asset_id, self.version_id).await?;
        let (v, meta, prefix) = (&ready.version, &ready.meta, &ready.prefix);
        let tools = Tools::from_config(&st.config.preview);
        let recorded = ready.manifest(ctx).await?.color;
        let mut settings =
            pipeline::Settings::new(&st.config.preview, source::encoder(st).await.clone());
        // The poster matches the rungs it stands for, made with the operator they were.
        if let Some(t) = recorded.as_ref().and_then(|c| c.tonemap.as_deref()) {
            settings.tonemap = t.parse().unwrap_or(settings.tonemap);
        }
        let (input, _) = source::open(st, &v.master_key).await?;
        let temp = workdir::create(&st.config.preview.work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let file = temp.path().join(POSTER);
        let fps = meta.video.as_ref().map(|v| v.frame_rate);
        crate::media::sanity::Bounds::new(meta.duration, fps, &st.config.limits, None)
            .scope(pipeline::render_poster(
                &tools, &settings, meta, &input, self.time, &file,
            ))
            .await
            .map_err(job_error)?;
        let size = tokio::fs::metadata(&file)
            .await
            .map_err(|e| JobError::Retry(format!("reading the poster: {e}")))?
            .len();
        crate::previews::publish::put_file(&st.storage, prefix, temp.path(), POSTER, "image/jpeg")
            .await?;
        // Read again just before it is replaced: another job may have changed it meanwhile.
        let mut manifest = ready.manifest(ctx).await?;
        manifest.files.retain(|f| f.path != POSTER);
        manifest.files.push(OutputFile {
            path: POSTER.into(),
            size,
            content_type: "image/jpeg".into(),
        });
        manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
        manifest.poster = Some(POSTER.into());
        manifest.poster_time = Some(self.time.clamp(0.0, (meta.duration - 0.1).max(0.0)));
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

//! `poster`: re-renders a ready preview's poster at a chosen time (`POST
//! /api/assets/{id}/poster`), replaces `poster.jpg` and records the new size and time in
//! `manifest.json`. Running it twice gives the same result.

use super::preview::job_error;
use crate::media::Tools;
use crate::media::pipeline::{self, MANIFEST, Manifest, OutputFile, POSTER};
use crate::previews::{self, source, workdir};
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::storage::{self, Bucket, PutOptions};
use futures_util::StreamExt;
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
        let (v, meta) = super::ready_version(ctx, self.asset_id, self.version_id).await?;
        let tools = Tools::from_config(&st.config.preview);
        let settings =
            pipeline::Settings::new(&st.config.preview, source::encoder(st).await.clone());
        let (input, _) = source::open(st, &v.master_key).await?;
        let temp = workdir::create(&st.config.preview.work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let file = temp.path().join(POSTER);
        let fps = meta.video.as_ref().map(|v| v.frame_rate);
        crate::media::sanity::Bounds::new(meta.duration, fps, &st.config.limits, None)
            .scope(pipeline::render_poster(
                &tools, &settings, &meta, &input, self.time, &file,
            ))
            .await
            .map_err(job_error)?;
        let prefix = previews::prefix(self.asset_id, self.version_id);
        let size = tokio::fs::metadata(&file)
            .await
            .map_err(|e| JobError::Retry(format!("reading the poster: {e}")))?
            .len();
        let body = tokio_util::io::ReaderStream::new(
            tokio::fs::File::open(&file)
                .await
                .map_err(|e| JobError::Retry(format!("reading the poster: {e}")))?,
        )
        .boxed();
        let put = |ct: &str| PutOptions {
            content_type: Some(ct.into()),
            ..Default::default()
        };
        st.storage
            .put(
                Bucket::Previews,
                &format!("{prefix}/{POSTER}"),
                body,
                put("image/jpeg"),
            )
            .await?;
        let key = format!("{prefix}/{MANIFEST}");
        let current = st.storage.get(Bucket::Previews, &key, None).await?;
        let raw = storage::collect(current.body, 4 << 20).await?;
        let mut manifest: Manifest = serde_json::from_slice(&raw)
            .map_err(|e| JobError::Fatal(format!("the published manifest is unreadable: {e}")))?;
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
                &key,
                storage::bytes_stream(json),
                put("application/json"),
            )
            .await?;
        ctx.progress(100.0, None).await;
        Ok(())
    }
}

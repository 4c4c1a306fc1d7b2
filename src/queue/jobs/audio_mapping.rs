//! `audio-mapping`: re-renders a ready preview's audio with another track mapping (`PUT
//! /api/assets/{id}/audio-mapping`): each rung's published video is fetched and copied, the
//! audio and the waveform are made again, and only those files and the manifest are
//! replaced (a share link's proxy MP4, which has the old audio, is removed). Running it twice
//! gives the same result.

use super::preview::job_error;
use super::ready::ReadyPreview;
use crate::db::models::version;
use crate::media::audio::AudioMapping;
use crate::media::pipeline::{self, MANIFEST};
use crate::media::{Tools, remix};
use crate::previews::{publish, source, workdir};
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::storage::Bucket;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// The kind, also named by the API route that queues it.
pub const AUDIO_MAPPING_KIND: &str = "audio-mapping";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AudioRemap {
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub mapping: AudioMapping,
}

impl Job for AudioRemap {
    const KIND: &'static str = AUDIO_MAPPING_KIND;

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let id = self.version_id;
        let ready = ReadyPreview::load(ctx, self.asset_id, id).await?;
        let (v, meta, prefix) = (&ready.version, &ready.meta, &ready.prefix);
        let manifest = ready.manifest(ctx).await?;

        let temp = workdir::create(&st.config.preview.work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let (old, out) = (temp.path().join("old"), temp.path().join("new"));
        if meta.video.is_some() {
            for r in &manifest.renditions {
                let file = old.join(&r.mp4);
                fetch(st, &format!("{prefix}/{}", r.mp4), &file).await?;
            }
        }
        tokio::fs::create_dir_all(&out)
            .await
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        ctx.progress(20.0, None).await;

        let tools = Tools::from_config(&st.config.preview);
        let settings =
            pipeline::Settings::new(&st.config.preview, source::encoder(st).await.clone());
        let (input, _) = source::open(st, &v.master_key).await?;
        let fps = meta.video.as_ref().map(|v| v.frame_rate);
        let (mut next, changed) =
            crate::media::sanity::Bounds::new(meta.duration, fps, &st.config.limits, None)
                .scope(remix::render_audio(
                    &tools,
                    &settings,
                    meta,
                    &input,
                    &manifest,
                    self.mapping,
                    &old,
                    &out,
                ))
                .await
                .map_err(job_error)?;
        // A proxy download copied the old audio: it goes, and is made again when asked for.
        let old_proxy = next.proxy.take();
        next.files
            .retain(|f| Some(&f.path) != old_proxy.as_ref().map(|p| &p.path));
        let json = serde_json::to_vec_pretty(&next).expect("serializable");
        tokio::fs::write(out.join(MANIFEST), json)
            .await
            .map_err(|e| JobError::Retry(format!("writing the manifest: {e}")))?;
        publish::publish_changed(&st.storage, prefix, &out, &next, &changed).await?;
        if let Some(p) = old_proxy {
            st.storage
                .delete(Bucket::Previews, &format!("{prefix}/{}", p.path))
                .await?;
        }
        let m = self.mapping.to_string();
        st.db
            .run(move |c| version::set_audio_mapping(c, id, &m))
            .await?;
        ctx.progress(100.0, None).await;
        Ok(())
    }
}

/// Streams one published file into `file`.
pub(super) async fn fetch(
    st: &crate::state::AppState,
    key: &str,
    file: &std::path::Path,
) -> Result<(), JobError> {
    let retry = |e: std::io::Error| JobError::Retry(format!("fetching {key}: {e}"));
    if let Some(dir) = file.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(retry)?;
    }
    let mut body = st.storage.get(Bucket::Previews, key, None).await?.body;
    let mut f = tokio::fs::File::create(file).await.map_err(retry)?;
    while let Some(chunk) = body.next().await {
        f.write_all(&chunk.map_err(retry)?).await.map_err(retry)?;
    }
    f.flush().await.map_err(retry)?;
    Ok(())
}

//! `preview`: probes a stored master, keeps its technical metadata on the version, renders
//! the ladder, poster, sprite and waveform in a temp dir, and publishes them under
//! `previews/<asset-id>/<version-id>/` (the master playlist last). An image's master is a
//! still (`media::still`): its preview is one bounded picture and a manifest, no ladder.
//! Queued by promotion and by reprocessing; runs again safely after a crash (a rerun replaces
//! the set).

use super::assemble;
use crate::db::models::version;
use crate::events::{self, Event};
use crate::media::ladder::HlsLayout;
use crate::media::{
    FfmpegError, MediaInput, Tools, chunk, passthrough, pipeline, probe, sanity, still,
};
use crate::previews::{self, progressive, publish, source, space};
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::status::VersionStatus;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// This job's kind, by name: promotion queues it as a row (`queue::new_job_of_kind`), and
/// pages and status look preview jobs up by it.
pub const PREVIEW_KIND: &str = "preview";

/// Share of the progress bar the render takes; publishing takes the rest.
const RENDER_SHARE: f32 = 90.0;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Preview {
    pub asset_id: Uuid,
    pub version_id: Uuid,
}

impl Job for Preview {
    const KIND: &'static str = PREVIEW_KIND;

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let result = self.preview(ctx).await;
        if let Err(e) = &result
            && (matches!(e, JobError::Fatal(_)) || ctx.is_last_attempt())
        {
            // No further attempt: the version says why, in words.
            self.set_status(
                ctx,
                &[VersionStatus::Stored, VersionStatus::Processing],
                VersionStatus::Failed,
                Some(e.to_string()),
            )
            .await;
        }
        result
    }
}

/// An ffmpeg failure as a job outcome: bad input never succeeds, anything else may.
pub fn job_error(e: FfmpegError) -> JobError {
    if e.is_client_error() {
        JobError::Fatal(format!("Cannot make a preview: {e}."))
    } else {
        JobError::Retry(format!("preview rendering failed: {e}"))
    }
}

impl Preview {
    async fn preview(&self, ctx: &JobContext) -> Result<(), JobError> {
        let st = &ctx.state;
        let id = self.version_id;
        let v = st
            .db
            .run(move |c| version::find(c, id))
            .await?
            .filter(|v| v.asset_id == self.asset_id)
            .ok_or_else(|| JobError::Fatal("The version to preview no longer exists.".into()))?;
        match v.status.as_str() {
            "stored" | "processing" | "failed" => {}
            // Published by an earlier run that stopped before its outcome was recorded.
            "ready" => return Ok(()),
            other => {
                return Err(JobError::Fatal(format!(
                    "The master is not stored (its status is {other})."
                )));
            }
        }
        self.set_status(
            ctx,
            &[VersionStatus::Stored, VersionStatus::Failed],
            VersionStatus::Processing,
            None,
        )
        .await;
        // This run's preview plays once this run says so.
        st.db.run(move |c| version::clear_playable(c, id)).await?;

        let tools = Tools::from_config(&st.config.preview);
        let (input, head) = source::open(st, &v.master_key).await?;
        if v.media_type == "image" {
            return self.still(ctx, &tools, &input, &head).await;
        }
        let meta = probe::probe_with_head(&tools, &input, Some(&head))
            .await
            .map_err(job_error)?;
        let technical = serde_json::to_value(&meta).expect("serializable");
        st.db
            .run(move |c| version::set_technical(c, id, &technical))
            .await?;
        let limits = &st.config.limits;
        sanity::check_header(&meta, limits).map_err(job_error)?;
        let fps = meta.video.as_ref().map(|v| v.frame_rate);
        // Before planning: what the packets say, under the header's time budget.
        let span = sanity::Bounds::new(meta.duration, fps, limits, None)
            .scope(sanity::scan(&tools, &input))
            .await
            .map_err(job_error)?;
        if let Some(span) = &span {
            sanity::check_span(&meta, span, limits).map_err(job_error)?;
        }
        ctx.progress(1.0, None).await;

        let encoder = source::encoder(st).await.clone();
        let mut settings = pipeline::Settings::new(&st.config.preview, encoder);
        // A mapping chosen on the asset page survives reprocessing; the plan falls back to
        // the default when it no longer fits the master.
        settings.audio_mapping = v.audio_mapping.as_deref().and_then(|m| m.parse().ok());
        let work_dir = &st.config.preview.work_dir;
        space::check(work_dir, &settings.plan(&meta))
            .map_err(|e| JobError::Retry(format!("{e:#}")))?;
        // Removed when dropped: on success, on failure, and when the job is aborted.
        let temp = previews::workdir::create(work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let prefix = previews::prefix(self.asset_id, self.version_id);
        // A growing ladder is on disk twice at the end (its segments, and each rung joined
        // into one file); a packaged source is about the master's size.
        let dir_max = space::estimate(&settings.plan(&meta))
            .saturating_mul(2)
            .saturating_add(meta.size.unwrap_or(0))
            .saturating_mul(limits.work_dir_factor);
        let bounds = sanity::Bounds::new(meta.duration, fps, limits, Some((temp.path(), dir_max)));

        let spans = chunk::split(&settings.plan(&meta), st.config.preview.chunk_seconds);
        // Playable first: the master as it is when browsers play it, else the ladder's
        // segments published as they are encoded.
        let early = bounds
            .clone()
            .scope(passthrough::try_package(
                &tools,
                &meta,
                settings.audio_mapping,
                settings.segment_seconds,
                &input,
                temp.path(),
            ))
            .await;
        let early = match early {
            Some(source) => {
                let sent = bounds
                    .clone()
                    .scope(progressive::publish_source(
                        &st.storage,
                        &prefix,
                        temp.path(),
                        &source,
                    ))
                    .await?;
                self.mark_playable(ctx).await;
                Some((source, sent))
            }
            // A chunked master is published when its chunks are joined.
            None => {
                if spans.is_none() {
                    settings.layout = HlsLayout::Growing;
                }
                None
            }
        };
        let plan = settings.plan(&meta);
        let mut watch = (plan.layout == HlsLayout::Growing).then(|| {
            progressive::watch(progressive::Growing::new(
                st.storage.clone(),
                tools.clone(),
                &prefix,
                temp.path(),
                &plan,
            ))
        });
        let mut playable = watch.as_ref().map(|w| w.playable.clone());

        let (tx, mut rx) = tokio::sync::watch::channel((0.0_f64, None::<Duration>));
        let (mut manifest, out) = if let Some(spans) = &spans {
            // A long master: its chunks are spread over every worker (`assemble`).
            let plan = settings
                .prepared_plan(&tools, &meta)
                .await
                .map_err(job_error)?;
            let run = assemble::Run {
                ctx,
                asset_id: self.asset_id,
                version_id: id,
                tools: &tools,
                settings: &settings,
                meta: &meta,
                input: &input,
                plan: &plan,
                share: RENDER_SHARE,
            };
            let manifest = bounds.scope(run.render(spans, temp.path())).await?;
            let out = temp.path().join(assemble::OUT);
            if early.is_some() {
                // The packaged source is published already; it goes on with the joined set.
                tokio::fs::rename(
                    temp.path().join(passthrough::SOURCE),
                    out.join(passthrough::SOURCE),
                )
                .await
                .map_err(|e| JobError::Retry(format!("cannot move the source rendition: {e}")))?;
            }
            (manifest, out)
        } else {
            let render = bounds.scope(pipeline::render(
                &tools,
                &settings,
                &meta,
                &input,
                temp.path(),
                |p, eta| {
                    let _ = tx.send((p, eta));
                },
            ));
            tokio::pin!(render);
            let manifest = loop {
                tokio::select! {
                    r = &mut render => break r.map_err(job_error)?,
                    Ok(()) = rx.changed() => {
                        let (p, eta) = *rx.borrow_and_update();
                        ctx.progress(p as f32 * RENDER_SHARE / 100.0, eta).await;
                    }
                    Ok(()) = async { playable.as_mut().expect("checked").changed().await }, if playable.is_some() => {
                        if *playable.as_mut().expect("checked").borrow_and_update() {
                            playable = None;
                            self.mark_playable(ctx).await;
                        }
                    }
                }
            };
            (manifest, temp.path().to_path_buf())
        };
        let sent = match (watch.take(), &early) {
            (Some(w), _) => w.finish().await,
            (None, Some((source, sent))) => {
                progressive::keep_source(&out, &mut manifest, source)
                    .await
                    .map_err(job_error)?;
                sent.clone()
            }
            (None, None) => Default::default(),
        };
        if let Some(m) = manifest.audio_mapping.map(|m| m.to_string()) {
            st.db
                .run(move |c| version::set_audio_mapping(c, id, &m))
                .await?;
        }
        let done = publish::publish_rest(&st.storage, &prefix, &out, &manifest, &sent).await?;
        if spans.is_some() {
            assemble::clean(st, self.asset_id, id, ctx.job_id).await;
        }
        // Once published: the page describes the preview people now see.
        if let Some(color) = &manifest.color {
            let color = serde_json::to_value(color).expect("serializable");
            st.db
                .run(move |c| version::set_preview_color(c, id, &color))
                .await?;
        }
        tracing::info!(
            version_id = %id, %prefix, files = done.uploaded, bytes = done.bytes,
            removed = done.removed.len(), "preview published"
        );
        ctx.progress(100.0, Some(Duration::ZERO)).await;
        self.set_status(
            ctx,
            &[VersionStatus::Processing],
            VersionStatus::Ready,
            None,
        )
        .await;
        Ok(())
    }

    /// A still image: its picture probed with its own demuxer, a bounded preview picture
    /// published in place of a ladder (as audio has a waveform in place of pictures), ready.
    async fn still(
        &self,
        ctx: &JobContext,
        tools: &Tools,
        input: &MediaInput,
        head: &[u8],
    ) -> Result<(), JobError> {
        let st = &ctx.state;
        let id = self.version_id;
        let meta = still::probe(tools, input, head).await.map_err(job_error)?;
        let technical = serde_json::to_value(&meta).expect("serializable");
        st.db
            .run(move |c| version::set_technical(c, id, &technical))
            .await?;
        let temp = previews::workdir::create(&st.config.preview.work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        // The wall-clock bound of a zero-length master: the floor every run gets.
        let manifest = sanity::Bounds::new(0.0, None, &st.config.limits, None)
            .scope(still::render(tools, &meta, input, temp.path()))
            .await
            .map_err(job_error)?;
        let prefix = previews::prefix(self.asset_id, self.version_id);
        let done = publish::publish(&st.storage, &prefix, temp.path(), &manifest).await?;
        tracing::info!(version_id = %id, %prefix, bytes = done.bytes, "still preview published");
        ctx.progress(100.0, Some(Duration::ZERO)).await;
        self.set_status(
            ctx,
            &[VersionStatus::Processing],
            VersionStatus::Ready,
            None,
        )
        .await;
        Ok(())
    }

    /// The version plays from now on: recorded, and told to the asset's pages.
    async fn mark_playable(&self, ctx: &JobContext) {
        let id = self.version_id;
        let marked = ctx
            .state
            .db
            .run(move |c| version::set_playable(c, id))
            .await;
        if matches!(marked, Ok(true)) {
            let event = Event::Playable { version_id: id };
            events::publish(&ctx.state.redis, self.asset_id, &event).await;
        }
    }

    async fn set_status(
        &self,
        ctx: &JobContext,
        from: &[VersionStatus],
        to: VersionStatus,
        error: Option<String>,
    ) {
        let (id, e) = (self.version_id, error.clone());
        let from = from.to_vec();
        // The outcome's webhook is written with the status that reports it.
        let hook = match to {
            VersionStatus::Ready => Some("asset.ready"),
            VersionStatus::Failed => Some("asset.failed"),
            _ => None,
        }
        .map(|kind| {
            let actor = crate::webhooks::Actor::System("worker".into());
            crate::webhooks::Emit::new(kind, self.asset_id, Some(id), actor)
                .with("error", serde_json::json!(error))
        });
        let hooks = ctx.state.config.webhooks.max_attempts;
        let changed = ctx
            .state
            .db
            .run(move |c| {
                use diesel::Connection;
                c.transaction(|c| {
                    if !version::set_status(c, id, &from, to, e.as_deref())? {
                        return Ok(None);
                    }
                    match &hook {
                        Some(h) => crate::webhooks::emit(c, hooks, h).map(Some),
                        None => Ok(Some(vec![])),
                    }
                })
            })
            .await
            .unwrap_or(None);
        if let Some(deliveries) = changed {
            crate::queue::deliver(&ctx.state, &deliveries).await;
            let event = Event::of_version(self.version_id, to, error);
            events::publish(&ctx.state.redis, self.asset_id, &event).await;
        }
    }
}

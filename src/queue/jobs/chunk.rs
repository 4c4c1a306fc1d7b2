//! `preview_chunk`: encodes one chunk of a long master's ladder (`media::chunk`) and uploads
//! it under the run's chunk prefix (`PreviewKey::chunks`), its list of files (`done.json`)
//! last. Queued by the preview job, which takes chunks itself too and joins them
//! (`jobs::assemble`). Idempotent: a rerun writes the same keys; it does nothing once its
//! run is over or its asset deleted.

use super::preview::job_error;
use crate::db::models::{asset, job, version};
use crate::media::chunk::{self, Span};
use crate::media::{TechnicalMetadata, Tools, pipeline, sanity};
use crate::previews::{self, publish, source, space};
use crate::queue::{Job, JobContext, JobError, Subject};
use crate::state::AppState;
use crate::storage::PreviewKey;
use serde::{Deserialize, Serialize};
use std::path::Path;
use uuid::Uuid;

pub const CHUNK_KIND: &str = "preview_chunk";
/// The file a finished chunk lists its outputs in, written after them.
pub const DONE: &str = "done.json";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Chunk {
    pub asset_id: Uuid,
    pub version_id: Uuid,
    /// The preview job this chunk is part of.
    pub run: Uuid,
    pub span: Span,
}

/// `done.json`: what a chunk wrote, relative to its prefix.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Done {
    pub files: Vec<(String, u64)>,
}

impl Job for Chunk {
    const KIND: &'static str = CHUNK_KIND;

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        if !self.wanted(&ctx.state).await? {
            tracing::info!(run = %self.run, index = self.span.index, "chunk no longer wanted");
            return Ok(());
        }
        let (tx, mut rx) = tokio::sync::watch::channel(0.0_f64);
        let work = self.encode(&ctx.state, move |p| {
            let _ = tx.send(p);
        });
        tokio::pin!(work);
        loop {
            tokio::select! {
                r = &mut work => return r,
                Ok(()) = rx.changed() => {
                    let p = *rx.borrow_and_update();
                    ctx.progress(p as f32, None).await;
                }
            }
        }
    }
}

impl Chunk {
    /// `previews/<asset>/chunks/<version>/<run>/<index>`.
    pub fn prefix(&self) -> String {
        format!(
            "{}/{:04}",
            PreviewKey::new(self.asset_id, self.version_id).chunks(self.run),
            self.span.index
        )
    }

    /// Whether the run still waits for this chunk: its preview job is open, its asset live.
    async fn wanted(&self, st: &AppState) -> Result<bool, JobError> {
        let (run, asset_id) = (self.run, self.asset_id);
        let (run, live) = st
            .db
            .run(move |c| Ok((job::find(c, run)?, asset::find_live(c, asset_id)?)))
            .await?;
        Ok(run.is_some_and(|r| r.state.is_open()) && live.is_some())
    }

    /// Encodes and uploads the chunk, reporting its percent.
    pub async fn encode(
        &self,
        st: &AppState,
        on_progress: impl FnMut(f64),
    ) -> Result<(), JobError> {
        let id = self.version_id;
        let v = st
            .db
            .run(move |c| version::find(c, id))
            .await?
            .ok_or_else(|| JobError::Fatal("The version to preview no longer exists.".into()))?;
        let meta: TechnicalMetadata = v
            .technical
            .and_then(|t| serde_json::from_value(t).ok())
            .ok_or_else(|| JobError::Retry("the master is not probed yet".into()))?;
        let tools = Tools::from_config(&st.config.preview);
        let encoder = source::encoder(st).await.clone();
        let settings = pipeline::Settings::new(&st.config.preview, encoder);
        // Prepared as the preview job's own: every chunk tone-maps through the same LUT.
        let plan = settings
            .prepared_plan(&tools, &meta)
            .await
            .map_err(job_error)?;
        let (input, _) = source::open(st, &v.master_key).await?;
        let work_dir = &st.config.preview.work_dir;
        let temp = previews::workdir::create(work_dir)
            .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        let out = temp.path();
        tokio::fs::create_dir_all(out.join(chunk::TILES))
            .await
            .map_err(|e| JobError::Retry(format!("cannot make the tile dir: {e}")))?;
        let fps = plan.fps.map(|(n, d)| n as f64 / d as f64);
        let limits = &st.config.limits;
        let dir_max = space::estimate(&plan).saturating_mul(limits.work_dir_factor);
        // Timestamps are the master's: the bounds are the whole master's.
        let bounds = sanity::Bounds::new(meta.duration, fps, limits, Some((out, dir_max)));
        let start = self.span.start as f64 / fps.unwrap_or(25.0);
        let end = self
            .span
            .end
            .map_or(meta.duration, |e| e as f64 / fps.unwrap_or(25.0));
        let length = (end - start).max(0.1);
        let mut on_progress = on_progress;
        bounds
            .scope(
                chunk::command(&tools, &plan, &settings.encoder, &input, &self.span, out).run(
                    |p| {
                        let done = (p.out_time.as_secs_f64() - start) / length;
                        on_progress(if p.done {
                            100.0
                        } else {
                            done.clamp(0.0, 0.99) * 100.0
                        });
                    },
                ),
            )
            .await
            .map_err(job_error)?;
        self.upload(st, &plan.variant_names(), out).await
    }

    /// Every rung's file and every tile, then `done.json` listing them.
    async fn upload(&self, st: &AppState, rungs: &[String], out: &Path) -> Result<(), JobError> {
        let prefix = self.prefix();
        let mut files = Vec::new();
        for name in rungs {
            let file = chunk::rung_file(name);
            let size = std::fs::metadata(out.join(&file))
                .map(|m| m.len())
                .unwrap_or(0);
            if size == 0 {
                return Err(JobError::Fatal(format!(
                    "Cannot make a preview: frames {} onwards could not be decoded.",
                    self.span.start
                )));
            }
            files.push((file, size));
        }
        let tiles = out.join(chunk::TILES);
        let mut names: Vec<String> = std::fs::read_dir(&tiles)
            .map_err(|e| JobError::Retry(format!("cannot list the tiles: {e}")))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        for n in names {
            let rel = format!("{}/{n}", chunk::TILES);
            let size = std::fs::metadata(out.join(&rel))
                .map(|m| m.len())
                .unwrap_or(0);
            files.push((rel, size));
        }
        for (path, _) in &files {
            let ct = pipeline::content_type(path, false);
            publish::put_file(&st.storage, &prefix, out, path, ct).await?;
        }
        let done = serde_json::to_vec(&Done { files }).expect("serializable");
        tokio::fs::write(out.join(DONE), done)
            .await
            .map_err(|e| JobError::Retry(format!("cannot write {DONE}: {e}")))?;
        publish::put_file(&st.storage, &prefix, out, DONE, "application/json").await?;
        Ok(())
    }
}

//! The chunked preview of a long master, run by its preview job: queue one `preview_chunk`
//! job per chunk (any worker of the group takes them), encode the audio once, take chunks
//! nobody has started yet, wait for the others, then join them per rung (`media::chunk`) and
//! finish as one pass does (`pipeline::finish`).
//!
//! The preview job stays the one record of the preview (its state, progress and ETA are the
//! asset's), so it assembles rather than handing over to another job kind: the asset never
//! reads as ready while chunks are still encoding. It only waits once every chunk has been
//! taken, and works on chunks until then, so it costs a worker no idle time but the tail.
//! A chunk failing for bad input fails the preview with its reason; a chunk that died, was
//! cancelled or whose output is missing when joining is queued again (at most
//! [`MAX_ROWS_PER_CHUNK`] times); deleting the asset cancels every open chunk.

use super::chunk::{CHUNK_KIND, Chunk, DONE, Done};
use crate::db::models::asset;
use crate::db::models::job::{self as model, JobRow};
use crate::media::chunk::{self, Span};
use crate::media::pipeline::{self, Manifest, Settings};
use crate::media::{MediaInput, TechnicalMetadata, Tools, ladder::Plan};
use crate::queue::{self, JobContext, JobError};
use crate::state::AppState;
use crate::status::JobState;
use crate::storage::{Bucket, PreviewKey};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Jobs one chunk may get (the first and its re-queues) before the preview fails.
pub const MAX_ROWS_PER_CHUNK: usize = 4;
/// How often the run looks at its chunks while others encode them.
const POLL: Duration = Duration::from_secs(1);

/// Where, in the run's temp dir, the joined set is written.
pub const OUT: &str = "out";

/// What the run needs of the preview job.
pub struct Run<'a> {
    pub ctx: &'a JobContext,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub tools: &'a Tools,
    pub settings: &'a Settings,
    pub meta: &'a TechnicalMetadata,
    pub input: &'a MediaInput,
    pub plan: &'a Plan,
    /// Share of the progress bar the chunks take.
    pub share: f32,
}

impl Run<'_> {
    fn chunk(&self, span: Span) -> Chunk {
        Chunk {
            asset_id: self.asset_id,
            version_id: self.version_id,
            run: self.ctx.job_id,
            span,
        }
    }

    /// The whole chunked preview into `dir/out` (`dir/work` holds what is joined).
    pub async fn render(&self, spans: &[Span], dir: &Path) -> Result<Manifest, JobError> {
        let (work, out) = (dir.join("work"), dir.join(OUT));
        for d in [&work, &out.join(crate::media::ladder::SPRITE_TILES)] {
            tokio::fs::create_dir_all(d)
                .await
                .map_err(|e| JobError::Retry(format!("cannot make a temp dir: {e}")))?;
        }
        let result = self.chunks_then_join(spans, &work, &out).await;
        if let Err(JobError::Fatal(reason)) = &result {
            self.cancel_open(reason).await;
        }
        result
    }

    async fn chunks_then_join(
        &self,
        spans: &[Span],
        work: &Path,
        out: &Path,
    ) -> Result<Manifest, JobError> {
        let started = Instant::now();
        self.queue_missing(spans, &[]).await?;
        if let Some(audio) = chunk::audio_command(self.tools, self.plan, self.input, work, out) {
            audio.run(|_| {}).await.map_err(super::preview::job_error)?;
        }
        loop {
            let rows = self.rows().await?;
            let latest = latest_per_chunk(&rows);
            self.check_live().await?;
            let mut again = Vec::new();
            for span in spans {
                match latest.get(&span.index) {
                    Some(r) if r.state == JobState::Failed => {
                        return Err(JobError::Fatal(r.error.clone().unwrap_or_else(|| {
                            format!("Chunk {} of the preview failed.", span.index)
                        })));
                    }
                    Some(r) if matches!(r.state, JobState::Dead | JobState::Cancelled) => {
                        again.push(span.index)
                    }
                    Some(_) => {}
                    None => again.push(span.index),
                }
            }
            if !again.is_empty() {
                self.queue_missing(spans, &again).await?;
                continue;
            }
            self.report(&latest, spans.len(), started).await;
            if latest.values().all(|r| r.state == JobState::Succeeded) {
                match self.download(spans, work, out).await? {
                    Ok(()) => break,
                    Err(missing) => {
                        tracing::warn!(
                            index = missing,
                            "a finished chunk's output is missing; queued again"
                        );
                        self.queue_missing(spans, &[missing]).await?;
                        continue;
                    }
                }
            }
            let queued = latest.values().find(|r| r.state == JobState::Queued);
            let ran = match queued {
                Some(r) => self.run_inline(r, spans.len(), started).await?,
                None => false,
            };
            if !ran {
                tokio::time::sleep(POLL).await;
            }
        }
        for name in self.plan.variant_names() {
            let video = work.join(chunk::rung_file(&name));
            let audio = work.join(chunk::AUDIO);
            let audio = self.plan.audio.then_some(audio.as_path());
            chunk::join_command(self.tools, self.plan, &name, &video, audio, out)
                .run(|_| {})
                .await
                .map_err(super::preview::job_error)?;
            let _ = tokio::fs::remove_file(&video).await;
        }
        pipeline::finish(
            self.tools,
            self.settings,
            self.meta,
            self.input,
            self.plan,
            out,
        )
        .await
        .map_err(super::preview::job_error)
    }

    async fn rows(&self) -> Result<Vec<JobRow>, JobError> {
        let (v, run) = (self.version_id, self.ctx.job_id);
        let limit = (chunk::MAX_CHUNKS as usize * MAX_ROWS_PER_CHUNK) as i64;
        Ok(self
            .ctx
            .state
            .db
            .run(move |c| model::of_run(c, CHUNK_KIND, v, run, limit))
            .await?)
    }

    /// Queues a chunk job for each of `indices` (every chunk without one when empty).
    async fn queue_missing(&self, spans: &[Span], indices: &[u32]) -> Result<(), JobError> {
        let st = &self.ctx.state;
        let rows = self.rows().await?;
        let mut count: HashMap<u32, usize> = HashMap::new();
        for r in &rows {
            if let Some(i) = index_of(r) {
                *count.entry(i).or_default() += 1;
            }
        }
        let mut new = Vec::new();
        for span in spans {
            let n = count.get(&span.index).copied().unwrap_or(0);
            let wanted = if indices.is_empty() {
                n == 0
            } else {
                indices.contains(&span.index)
            };
            if !wanted {
                continue;
            }
            if n >= MAX_ROWS_PER_CHUNK {
                let why = rows
                    .iter()
                    .rev()
                    .find(|r| index_of(r) == Some(span.index))
                    .and_then(|r| r.error.clone())
                    .unwrap_or_else(|| "it never finished".into());
                return Err(JobError::Fatal(format!(
                    "Cannot make a preview: chunk {} failed {n} times ({why}).",
                    span.index
                )));
            }
            let row = queue::new_job(st, &self.chunk(*span))
                .map_err(|e| JobError::Retry(format!("chunk payload: {e}")))?;
            new.push(row);
        }
        if new.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = new.iter().map(|r| r.id).collect();
        st.db
            .run(move |c| {
                use diesel::Connection;
                c.transaction(|c| new.iter().try_for_each(|r| model::insert(c, r)))
            })
            .await?;
        queue::deliver(st, &ids).await;
        Ok(())
    }

    /// Fails the run when its asset was deleted meanwhile.
    async fn check_live(&self) -> Result<(), JobError> {
        let id = self.asset_id;
        let live = self
            .ctx
            .state
            .db
            .run(move |c| asset::find_live(c, id))
            .await?;
        if live.is_none() {
            return Err(JobError::Fatal(
                "The asset was deleted before its preview was made.".into(),
            ));
        }
        Ok(())
    }

    async fn cancel_open(&self, reason: &str) {
        let Ok(rows) = self.rows().await else { return };
        let ids: Vec<Uuid> = rows
            .iter()
            .filter(|r| r.state.is_open())
            .map(|r| r.id)
            .collect();
        let reason = format!("The preview stopped: {reason}");
        let done = self
            .ctx
            .state
            .db
            .run(move |c| model::cancel_open(c, &ids, &reason))
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "open chunks not cancelled");
        }
    }

    /// The preview's percent and ETA: every chunk's, averaged.
    async fn report(&self, latest: &HashMap<u32, JobRow>, count: usize, started: Instant) {
        let sum: f32 = latest
            .values()
            .map(|r| match r.state {
                JobState::Succeeded => 100.0,
                JobState::Running => r.progress,
                _ => 0.0,
            })
            .sum();
        let percent = sum / count.max(1) as f32;
        let eta = (percent >= 1.0).then(|| {
            started
                .elapsed()
                .mul_f32((100.0 - percent).max(0.0) / percent)
        });
        self.ctx.progress(percent * self.share / 100.0, eta).await;
    }

    /// Runs the queued chunk `row` here when it is due and nobody took it meanwhile, with its
    /// heartbeat and progress on its own row, and records its outcome as the queue would.
    /// False when it was not taken.
    async fn run_inline(
        &self,
        row: &JobRow,
        count: usize,
        started: Instant,
    ) -> Result<bool, JobError> {
        let st = &self.ctx.state;
        let (id, worker) = (row.id, self.ctx.worker.clone());
        let stale = st.config.jobs.visibility_timeout.as_secs_f64();
        let w = worker.clone();
        let Some(row) = st.db.run(move |c| model::claim(c, id, &w, stale)).await? else {
            return Ok(false);
        };
        let job: Chunk = serde_json::from_value(row.payload.clone())
            .map_err(|e| JobError::Fatal(format!("a chunk's parameters are not valid: {e}")))?;
        tracing::info!(job_id = %id, index = job.span.index, "chunk taken by its preview job");
        let (tx, rx) = tokio::sync::watch::channel(0.0_f64);
        let work = job.encode(st, move |p| {
            let _ = tx.send(p);
        });
        tokio::pin!(work);
        let mut tick = tokio::time::interval(st.config.jobs.heartbeat);
        let outcome = loop {
            tokio::select! {
                r = &mut work => break Some(r),
                _ = tick.tick() => {
                    self.check_live().await?;
                    let (p, w) = (*rx.borrow() as f32, worker.clone());
                    let mine = st.db.run(move |c| model::set_progress(c, id, &w, p, None)).await;
                    if let Ok(false) = mine {
                        // Cancelled, or taken back: stop encoding (ffmpeg is killed on drop).
                        break None;
                    }
                    if let Ok(rows) = self.rows().await {
                        self.report(&latest_per_chunk(&rows), count, started).await;
                    }
                }
            }
        };
        let Some(result) = outcome else {
            return Ok(true);
        };
        let w = worker.clone();
        match result {
            Ok(()) => {
                st.db.run(move |c| model::succeed(c, id, &w)).await?;
            }
            Err(JobError::Fatal(reason)) => {
                st.db
                    .run(move |c| model::finish_failed(c, id, &w, "failed", &reason))
                    .await?;
            }
            Err(JobError::Retry(reason)) if row.attempts >= row.max_attempts => {
                st.db
                    .run(move |c| model::finish_failed(c, id, &w, "dead", &reason))
                    .await?;
            }
            Err(JobError::Retry(reason)) => {
                tracing::warn!(job_id = %id, %reason, "chunk will be retried");
                st.db
                    .run(move |c| model::retry_later(c, id, &w, 5.0, &reason))
                    .await?;
            }
        }
        Ok(true)
    }

    /// Appends every chunk's rung files into `work/<rung>.ts` and puts its tiles in the
    /// sprite tile dir. `Ok(Err(index))`: that chunk's output is missing.
    async fn download(
        &self,
        spans: &[Span],
        work: &Path,
        out: &Path,
    ) -> Result<Result<(), u32>, JobError> {
        let st = &self.ctx.state;
        let mut rungs = HashMap::new();
        for name in self.plan.variant_names() {
            let file = chunk::rung_file(&name);
            let f = tokio::fs::File::create(work.join(&file))
                .await
                .map_err(|e| JobError::Retry(format!("cannot write {file}: {e}")))?;
            rungs.insert(file, f);
        }
        let tiles = out.join(crate::media::ladder::SPRITE_TILES);
        for span in spans {
            let prefix = self.chunk(*span).prefix();
            let done = match get_bytes(st, &format!("{prefix}/{DONE}")).await? {
                Some(b) => serde_json::from_slice::<Done>(&b)
                    .map_err(|e| JobError::Retry(format!("unreadable {DONE}: {e}")))?,
                None => return Ok(Err(span.index)),
            };
            for (path, size) in &done.files {
                let key = format!("{prefix}/{path}");
                // Streamed into place: a chunk's rung file is never held in memory whole.
                let copied = match (rungs.get_mut(path.as_str()), path.strip_prefix("tiles/")) {
                    (Some(f), _) => copy_to(st, &key, f).await?,
                    (None, Some(tile)) => {
                        let mut f = tokio::fs::File::create(tiles.join(tile))
                            .await
                            .map_err(|e| JobError::Retry(format!("cannot write a tile: {e}")))?;
                        let n = copy_to(st, &key, &mut f).await?;
                        f.flush()
                            .await
                            .map_err(|e| JobError::Retry(format!("cannot write a tile: {e}")))?;
                        n
                    }
                    (None, None) => continue,
                };
                // Missing or short: the chunk is made again (the rung files are rewritten
                // from the start on the next join).
                if copied != Some(*size) {
                    return Ok(Err(span.index));
                }
            }
        }
        for (_, mut f) in rungs {
            f.flush()
                .await
                .map_err(|e| JobError::Retry(format!("cannot write a chunk: {e}")))?;
        }
        Ok(Ok(()))
    }
}

/// Removes a run's chunks once its preview is published.
pub async fn clean(st: &AppState, asset_id: Uuid, version_id: Uuid, run: Uuid) {
    let prefix = format!("{}/", PreviewKey::new(asset_id, version_id).chunks(run));
    let Ok(listed) = st.storage.list(Bucket::Previews, &prefix).await else {
        return;
    };
    for obj in listed {
        if let Err(e) = st.storage.delete(Bucket::Previews, &obj.key).await {
            tracing::warn!(key = %obj.key, error = %e, "chunk not removed");
        }
    }
}

/// The most a chunk's `done.json` may hold.
const MAX_DONE: u64 = 1 << 20;

/// A small object's bytes (at most `MAX_DONE`), or none when it does not exist.
async fn get_bytes(st: &AppState, key: &str) -> Result<Option<Vec<u8>>, JobError> {
    match st.storage.get(Bucket::Previews, key, None).await {
        Ok(obj) if obj.meta.size > MAX_DONE => Err(JobError::Retry(format!(
            "{key} is {} bytes, more than a chunk's record holds",
            obj.meta.size
        ))),
        Ok(obj) => {
            let mut body = obj.body;
            let mut bytes = Vec::with_capacity(obj.meta.size as usize);
            while let Some(part) = body.next().await {
                let part = part.map_err(|e| JobError::Retry(format!("reading a chunk: {e}")))?;
                if (bytes.len() + part.len()) as u64 > MAX_DONE {
                    return Err(JobError::Retry(format!("{key} grew past its size")));
                }
                bytes.extend_from_slice(&part);
            }
            Ok(Some(bytes))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Appends an object to `to` as it streams in: the bytes written, or none when it does not
/// exist.
async fn copy_to(
    st: &AppState,
    key: &str,
    to: &mut tokio::fs::File,
) -> Result<Option<u64>, JobError> {
    let mut body = match st.storage.get(Bucket::Previews, key, None).await {
        Ok(obj) => obj.body,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut n = 0u64;
    while let Some(part) = body.next().await {
        let part = part.map_err(|e| JobError::Retry(format!("reading a chunk: {e}")))?;
        to.write_all(&part)
            .await
            .map_err(|e| JobError::Retry(format!("cannot write a chunk: {e}")))?;
        n += part.len() as u64;
    }
    Ok(Some(n))
}

fn index_of(r: &JobRow) -> Option<u32> {
    r.payload["span"]["index"].as_u64().map(|i| i as u32)
}

/// The newest job of each chunk.
fn latest_per_chunk(rows: &[JobRow]) -> HashMap<u32, JobRow> {
    let mut latest = HashMap::new();
    for r in rows {
        if let Some(i) = index_of(r) {
            latest.insert(i, r.clone());
        }
    }
    latest
}

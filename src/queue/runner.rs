//! Running one delivered entry: claim the row, run the job with a heartbeat, record the
//! outcome in PostgreSQL, then acknowledge the entry.

use super::stream::{self, Entry};
use super::{Handler, JobContext, JobError, Registry};
use crate::config::JobsConfig;
use crate::db::DbError;
use crate::db::models::job::{self as model, JobRow};
use crate::events::{self, Event};
use crate::state::AppState;
use crate::status::JobState;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

/// What the consume loop and each job runner share.
pub(super) struct Shared {
    pub state: AppState,
    pub registry: Registry,
    /// This process's consumer name in the group: stable for the process, unique across them.
    pub name: String,
    pub cfg: JobsConfig,
}

enum Outcome {
    Succeeded,
    Failed(JobError),
    /// Shutdown deadline: the row goes back to queued and the entry stays pending.
    HandBack,
    /// The row is no longer this worker's (another worker or the reconciler took it).
    Lost,
    /// PostgreSQL did not answer heartbeats for a whole visibility timeout: stop, write
    /// nothing, and let the stale heartbeat bring the job back.
    Unreachable,
}

/// The span every log line of one delivered job is written in, the job's own code, storage
/// and ffmpeg included: `job_id` from the entry, `kind` and `asset_id` once the row is read.
pub(super) fn job_span(entry: &Entry) -> tracing::Span {
    let span = tracing::info_span!(
        "job",
        job_id = tracing::field::Empty,
        kind = tracing::field::Empty,
        asset_id = tracing::field::Empty,
    );
    if let Some(id) = entry.job_id {
        span.record("job_id", tracing::field::display(id));
    }
    span
}

/// Handles one entry; returns when its outcome is recorded (or left for a later reclaim).
/// Runs inside [`job_span`].
pub(super) async fn process(
    sh: Arc<Shared>,
    entry: Entry,
    shutdown: CancellationToken,
    handback: CancellationToken,
) {
    let Some(job_id) = entry.job_id else {
        tracing::warn!(entry = %entry.id, "stream entry without a job id; dropped");
        ack(&sh, &entry).await;
        return;
    };
    let row = match sh.state.db.run(move |c| model::find(c, job_id)).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            tracing::warn!(%job_id, "stream entry for a job that does not exist; dropped");
            ack(&sh, &entry).await;
            return;
        }
        Err(e) => {
            // Left pending: XAUTOCLAIM brings it back once the database answers.
            tracing::warn!(%job_id, error = %e, "cannot read the job; it will be reclaimed");
            return;
        }
    };
    let span = tracing::Span::current();
    span.record("kind", row.kind.as_str());
    if let Some(asset_id) = row.asset_id {
        span.record("asset_id", tracing::field::display(asset_id));
    }
    let Some(handler) = sh.registry.get(&row.kind).copied() else {
        // A newer build queued a kind this one cannot run: leave the row queued for a worker
        // that can (its reconciler re-delivers it), and free the entry.
        tracing::info!(%job_id, kind = %row.kind, "no handler for this kind in this build yet; the job stays queued");
        ack(&sh, &entry).await;
        return;
    };
    let stale = sh.cfg.visibility_timeout.as_secs_f64();
    let worker = sh.name.clone();
    let claimed = match sh
        .state
        .db
        .run(move |c| model::claim(c, job_id, &worker, stale))
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(%job_id, error = %e, "cannot claim the job; it will be reclaimed");
            return;
        }
    };
    match claimed {
        Some(row) => run_claimed(sh, entry, handler, row, shutdown, handback).await,
        None => {
            not_claimed(&sh, &row).await;
            ack(&sh, &entry).await;
        }
    }
}

/// The claim did not match: the job is finished, running elsewhere, not due yet, or its
/// silent worker used up its last attempt.
async fn not_claimed(sh: &Shared, row: &JobRow) {
    let (id, stale) = (row.id, sh.cfg.visibility_timeout.as_secs_f64());
    let reason = "The worker running this job stopped responding on its last attempt.";
    match sh
        .state
        .db
        .run(move |c| model::bury_if_exhausted(c, id, stale, reason))
        .await
    {
        Ok(Some(dead)) => {
            bury(sh, &dead, reason).await;
            return;
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(job_id = %id, error = %e, "cannot check the job"),
    }
    if row.state == "queued" && row.run_after > time::OffsetDateTime::now_utc() {
        let at_ms = (row.run_after.unix_timestamp_nanos() / 1_000_000) as i64;
        if let Err(e) = stream::delay(&sh.state.redis, id, at_ms).await {
            tracing::warn!(job_id = %id, error = %e, "cannot schedule the job; the reconciler will");
        }
    }
}

async fn run_claimed(
    sh: Arc<Shared>,
    entry: Entry,
    handler: Handler,
    row: JobRow,
    shutdown: CancellationToken,
    handback: CancellationToken,
) {
    let cancel = shutdown.child_token();
    let ctx = Arc::new(JobContext::new(
        sh.state.clone(),
        &row,
        sh.name.clone(),
        cancel.clone(),
    ));
    publish(&sh, &row, JobState::Running, None).await;
    tracing::info!(job_id = %row.id, kind = %row.kind, attempt = row.attempts, "job started");
    sh.state.queue_metrics.running.inc();
    let payload = row.payload.clone();
    let job_ctx = ctx.clone();
    // A spawned task starts outside any span: carry the job's span into it.
    let mut task = tokio::spawn(
        async move { handler.run(payload, &job_ctx).await }.instrument(tracing::Span::current()),
    );
    let mut tick = tokio::time::interval(sh.cfg.heartbeat);
    tick.tick().await;
    let mut last_ok = Instant::now();
    let outcome = loop {
        tokio::select! {
            biased;
            r = &mut task => break match r {
                Ok(Ok(())) => Outcome::Succeeded,
                Ok(Err(e)) => Outcome::Failed(e),
                Err(e) if e.is_panic() => Outcome::Failed(JobError::Retry(
                    format!("the job crashed: {}", panic_text(e.into_panic())),
                )),
                Err(_) => Outcome::Failed(JobError::Retry("the job was interrupted".into())),
            },
            _ = handback.cancelled() => break Outcome::HandBack,
            _ = tick.tick() => match heartbeat(&sh, row.id, &entry.id).await {
                Ok(true) => last_ok = Instant::now(),
                Ok(false) => break Outcome::Lost,
                Err(_) if last_ok.elapsed() >= sh.cfg.visibility_timeout => break Outcome::Unreachable,
                Err(_) => {}
            },
        }
    };
    if !task.is_finished() {
        // Stop the job before anyone else may claim it; an aborted task ends at its next await.
        cancel.cancel();
        task.abort();
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut task).await;
    }
    sh.state.queue_metrics.running.dec();
    record(&sh, &entry, &row, outcome).await;
}

/// Stamps the row and resets the entry's idle time. `Ok(false)`: the job is not ours anymore.
async fn heartbeat(sh: &Shared, id: Uuid, entry_id: &str) -> Result<bool, DbError> {
    let worker = sh.name.clone();
    let r = sh
        .state
        .db
        .run(move |c| model::heartbeat(c, id, &worker))
        .await;
    match &r {
        Ok(true) => {
            if let Err(e) = stream::touch(&sh.state.redis, &sh.name, entry_id).await {
                tracing::debug!(job_id = %id, error = %e, "cannot refresh the stream entry");
            }
        }
        Ok(false) => tracing::warn!(job_id = %id, "job was taken from this worker; stopping it"),
        Err(e) => tracing::warn!(job_id = %id, error = %e, "heartbeat not recorded"),
    }
    r
}

/// Runs a recording query, retrying while the database is unreachable (a few seconds).
async fn with_retries<T: Send + 'static>(
    sh: &Shared,
    f: impl Fn(&mut diesel::PgConnection) -> diesel::QueryResult<T> + Send + Sync + Clone + 'static,
) -> Result<T, DbError> {
    let mut wait = Duration::from_millis(250);
    let mut last = None;
    for _ in 0..5 {
        match sh.state.db.run(f.clone()).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    Err(last.unwrap_or(DbError::Unavailable("no attempt".into())))
}

async fn record(sh: &Shared, entry: &Entry, row: &JobRow, outcome: Outcome) {
    let (id, kind, worker) = (row.id, row.kind.clone(), sh.name.clone());
    let result: Result<(), DbError> = async {
        match outcome {
            Outcome::Succeeded => {
                if with_retries(sh, move |c| model::succeed(c, id, &worker)).await? {
                    tracing::info!(job_id = %id, %kind, "job succeeded");
                    sh.state.queue_metrics.finished(&kind, "succeeded");
                    publish(sh, row, JobState::Succeeded, None).await;
                }
            }
            Outcome::Failed(JobError::Fatal(reason)) => {
                let r = reason.clone();
                if with_retries(sh, move |c| model::finish_failed(c, id, &worker, "failed", &r)).await? {
                    tracing::warn!(job_id = %id, %kind, %reason, "job failed");
                    sh.state.queue_metrics.finished(&kind, "failed");
                    publish(sh, row, JobState::Failed, Some(reason)).await;
                }
            }
            Outcome::Failed(JobError::Retry(reason)) if row.attempts >= row.max_attempts => {
                let r = reason.clone();
                if with_retries(sh, move |c| model::finish_failed(c, id, &worker, "dead", &r)).await? {
                    bury(sh, row, &reason).await;
                }
            }
            Outcome::Failed(JobError::Retry(reason)) => {
                let delay = backoff(sh, row.attempts);
                let (r, secs) = (reason.clone(), delay.as_secs_f64());
                let again = with_retries(sh, move |c| model::retry_later(c, id, &worker, secs, &r)).await?;
                if let Some(again) = again {
                    tracing::warn!(job_id = %id, %kind, attempt = row.attempts, retry_in = ?delay, %reason, "job will be retried");
                    sh.state.queue_metrics.finished(&kind, "retry");
                    let at_ms = (again.run_after.unix_timestamp_nanos() / 1_000_000) as i64;
                    let local_ms = now_ms() + delay.as_millis() as i64;
                    if let Err(e) = stream::delay(&sh.state.redis, id, at_ms.max(local_ms)).await {
                        tracing::warn!(job_id = %id, error = %e, "retry not scheduled in Redis; the reconciler will deliver it");
                    }
                    publish(sh, &again, JobState::Queued, Some(reason)).await;
                }
            }
            Outcome::HandBack => {
                if with_retries(sh, move |c| model::hand_back(c, id, &worker)).await? {
                    tracing::info!(job_id = %id, %kind, "job handed back at shutdown");
                    sh.state.queue_metrics.finished(&kind, "handed_back");
                    publish(sh, row, JobState::Queued, None).await;
                }
                // The entry stays pending: another worker's XAUTOCLAIM takes it.
                return Ok(());
            }
            Outcome::Lost => {}
            Outcome::Unreachable => return Ok(()),
        }
        ack(sh, entry).await;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        // Nothing recorded and nothing acknowledged: the job runs again after a reclaim.
        tracing::error!(job_id = %id, error = %e, "cannot record the job's outcome");
    }
}

/// The job used its last attempt: dead, on the dead-letter stream, the page told why.
async fn bury(sh: &Shared, row: &JobRow, reason: &str) {
    tracing::error!(job_id = %row.id, kind = %row.kind, attempts = row.attempts, %reason, "job is dead");
    sh.state.queue_metrics.finished(&row.kind, "dead");
    if let Err(e) =
        stream::dead_letter(&sh.state.redis, row.id, &row.kind, row.attempts, reason).await
    {
        tracing::warn!(job_id = %row.id, error = %e, "dead job not written to the dead-letter stream");
    }
    publish(sh, row, JobState::Dead, Some(reason.to_string())).await;
}

async fn publish(sh: &Shared, row: &JobRow, state: JobState, error: Option<String>) {
    let Some(asset_id) = row.asset_id else { return };
    let shown = JobRow {
        state,
        progress: if state == JobState::Succeeded {
            100.0
        } else {
            row.progress
        },
        error,
        ..row.clone()
    };
    events::publish(&sh.state.redis, asset_id, &Event::of_job(&shown)).await;
}

async fn ack(sh: &Shared, entry: &Entry) {
    if let Err(e) = stream::ack(&sh.state.redis, &entry.id).await {
        // Harmless: the entry is reclaimed later and the claim sees the job is finished.
        tracing::warn!(entry = %entry.id, error = %e, "cannot acknowledge the stream entry");
    }
}

/// Exponential backoff with "equal jitter": half the delay fixed, half random, so jobs that
/// failed together (storage down) do not all come back at the same moment.
fn backoff(sh: &Shared, attempt: i32) -> Duration {
    let base = sh.cfg.backoff_base.as_secs_f64();
    let full = (base * 2f64.powi((attempt - 1).clamp(0, 30))).min(sh.cfg.backoff_max.as_secs_f64());
    Duration::from_secs_f64(full / 2.0 + full / 2.0 * random_unit())
}

fn random_unit() -> f64 {
    (Uuid::new_v4().as_u128() as u64 >> 11) as f64 / (1u64 << 53) as f64
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

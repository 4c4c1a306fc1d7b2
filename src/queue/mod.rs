//! Background jobs: the PostgreSQL record (the truth), Redis stream delivery of job ids, the
//! worker's consume loop, and the reconciler that makes Redis agree with PostgreSQL again.
//!
//! A job kind is a serde struct implementing [`Job`], in its own file under `jobs/`, listed
//! once in `jobs::HANDLERS`. Delivery is at least once; the conditional claim in PostgreSQL
//! makes sure a job never runs twice at the same time, and every job is idempotent.

pub mod consumer;
mod context;
pub mod jobs;
pub mod reconciler;
mod registry;
mod runner;
pub mod stream;
mod view;

pub use context::JobContext;
pub use registry::{Handler, Registry};
pub use view::JobView;

use crate::db::DbError;
use crate::db::models::job::{self as model, NewJob};
use crate::state::AppState;
use crate::storage::StorageError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use uuid::Uuid;

/// What a job is about, so its progress reaches the asset's event channel and page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
}

/// One kind of background work. `run` must be idempotent: it may run again after a crash.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The `kind` stored on the row; never rename one that may still be queued.
    const KIND: &'static str;
    /// Attempts before the job is dead; `None` means MM_JOB_MAX_ATTEMPTS.
    const MAX_ATTEMPTS: Option<i32> = None;

    fn subject(&self) -> Subject {
        Subject::default()
    }

    fn run(&self, ctx: &JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// How a job failed: worth another attempt later, or never going to work.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A transient problem (storage or database down, a timeout): retried with backoff.
    #[error("{0}")]
    Retry(String),
    /// The input can never succeed (corrupt file, missing object): failed at once, with the
    /// reason in words a person understands.
    #[error("{0}")]
    Fatal(String),
}

impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}

impl From<StorageError> for JobError {
    fn from(e: StorageError) -> Self {
        if e.is_client_error() {
            JobError::Fatal(format!("storage refused the request: {e}"))
        } else {
            JobError::Retry(format!("storage: {e}"))
        }
    }
}

/// The row for `job`, ready to insert (inside the caller's transaction if it has one).
pub fn new_job<J: Job>(state: &AppState, job: &J) -> Result<NewJob, serde_json::Error> {
    let subject = job.subject();
    Ok(
        new_job_of_kind(state, J::KIND, serde_json::to_value(job)?, subject)
            .with_max_attempts(J::MAX_ATTEMPTS),
    )
}

/// The row for a job named only by its kind, for kinds whose handler may live in another
/// build (the preview job is queued by promotion whether or not this build can run it).
pub fn new_job_of_kind(
    state: &AppState,
    kind: &str,
    payload: serde_json::Value,
    subject: Subject,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: kind.to_string(),
        payload,
        max_attempts: state.config.jobs.max_attempts,
        asset_id: subject.asset_id,
        version_id: subject.version_id,
    }
}

impl NewJob {
    fn with_max_attempts(mut self, max: Option<i32>) -> Self {
        if let Some(m) = max {
            self.max_attempts = m.max(1);
        }
        self
    }
}

/// Records `job` in PostgreSQL and puts its id on the stream. When the XADD fails the row
/// stays queued and the reconciler delivers it later, so the caller only sees database errors.
pub async fn enqueue<J: Job>(state: &AppState, job: &J) -> Result<Uuid, DbError> {
    let row = new_job(state, job).map_err(|e| DbError::Task(format!("job payload: {e}")))?;
    let id = row.id;
    state.db.run(move |c| model::insert(c, &row)).await?;
    deliver(state, &[id]).await;
    Ok(id)
}

/// XADDs job ids whose rows are committed; a failure is logged and left to the reconciler.
pub async fn deliver(state: &AppState, ids: &[Uuid]) {
    for id in ids {
        if let Err(e) = stream::add(&state.redis, *id).await {
            tracing::warn!(job_id = %id, error = %e, "could not put the job on the stream; the reconciler will");
        }
    }
}

/// Whether the worker's consume loop is alive: it stamps `beat` on every turn.
#[derive(Debug, Default)]
pub struct WorkerStatus {
    beat_ms: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl WorkerStatus {
    /// Records one turn of the consume loop.
    pub fn beat(&self) {
        self.beat_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Alive when the loop turned within the last 30 seconds (a turn blocks at most 5).
    pub fn is_alive(&self) -> bool {
        now_ms() - self.beat_ms.load(Ordering::Relaxed) < 30_000
    }
}

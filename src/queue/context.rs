//! JobContext: what a running job may use (state, its ids, progress reports, cancellation).

use crate::db::models::job as model;
use crate::events::{self, Event};
use crate::state::AppState;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Progress is written at most this often, whatever the job reports.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

pub struct JobContext {
    pub state: AppState,
    pub job_id: Uuid,
    pub kind: String,
    /// 1 on the first attempt.
    pub attempt: i32,
    pub max_attempts: i32,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub(super) worker: String,
    pub(super) cancel: CancellationToken,
    last_progress: Mutex<Option<Instant>>,
}

impl JobContext {
    pub(super) fn new(
        state: AppState,
        row: &model::JobRow,
        worker: String,
        cancel: CancellationToken,
    ) -> Self {
        Self {
            state,
            job_id: row.id,
            kind: row.kind.clone(),
            attempt: row.attempts,
            max_attempts: row.max_attempts,
            asset_id: row.asset_id,
            version_id: row.version_id,
            worker,
            cancel,
            last_progress: Mutex::new(None),
        }
    }

    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }

    /// True once the worker is shutting down or the job was taken from it: a long job should
    /// stop at its next safe point (it will be handed back and run again).
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }

    /// Reports progress (0-100) and an estimate of the time left. Written to the row and
    /// published to the asset's channel at most once a second; 100 is always written.
    pub async fn progress(&self, percent: f32, eta: Option<Duration>) {
        let percent = if percent.is_finite() {
            percent.clamp(0.0, 100.0)
        } else {
            0.0
        };
        {
            let Ok(mut last) = self.last_progress.lock() else {
                return;
            };
            if percent < 100.0 && last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
                return;
            }
            *last = Some(Instant::now());
        }
        let eta_seconds = eta.map(|d| d.as_secs().min(i32::MAX as u64) as i32);
        let (id, worker) = (self.job_id, self.worker.clone());
        let written = self
            .state
            .db
            .run(move |c| model::set_progress(c, id, &worker, percent, eta_seconds))
            .await;
        if let Err(e) = written {
            tracing::debug!(job_id = %id, error = %e, "progress not recorded");
        }
        if let Some(asset_id) = self.asset_id {
            let running = crate::status::JobState::Running;
            let asset_state = crate::status::asset_state_of_job(&self.kind, running);
            let event = Event::Job {
                job_id: id,
                kind: self.kind.clone(),
                version_id: self.version_id,
                state: running.api_word(),
                public_state: running.public(),
                asset_state,
                label: asset_state.unwrap_or(running.public()).label(),
                progress: percent,
                eta_seconds,
                error: None,
            };
            events::publish(&self.state.redis, asset_id, &event).await;
        }
    }
}

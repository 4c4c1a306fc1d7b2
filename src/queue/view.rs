//! JobView: a job as the API shows it (`GET /api/jobs/{id}` and the asset page).

use crate::db::models::job::JobRow;
use crate::status::{JobState, PublicState};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: Uuid,
    pub kind: String,
    /// queued, running, ready, failed or cancelled.
    pub state: &'static str,
    /// The record's own state: queued, running, succeeded, failed, dead, cancelled.
    pub record_state: JobState,
    /// What people see of it (`crate::status`), and the badge label.
    pub public_state: PublicState,
    pub label: &'static str,
    pub progress: f32,
    pub eta_seconds: Option<i32>,
    pub error: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    /// Jobs ahead of this one while it is queued.
    pub queue_position: Option<i64>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub run_after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

impl JobView {
    pub fn new(row: JobRow, queue_position: Option<i64>) -> Self {
        Self {
            state: row.public_state(),
            public_state: row.state.public(),
            label: row.state.public().label(),
            id: row.id,
            kind: row.kind,
            record_state: row.state,
            progress: row.progress,
            eta_seconds: row.eta_seconds,
            error: row.error,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            queue_position,
            asset_id: row.asset_id,
            version_id: row.version_id,
            run_after: row.run_after,
            created_at: row.created_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        }
    }
}

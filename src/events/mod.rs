//! Live events for one asset, published on the Redis channel `events:asset:<id>` (through
//! `Redis::key`) for the page's Server-Sent Events stream. Publishing is best effort: an
//! event lost to a Redis hiccup is recovered by the page reading the job record. Jobs and
//! review publish them; `hub` is the subscriber side every stream reads from.

pub mod hub;

use crate::db::models::job::JobRow;
use crate::redis_pool::Redis;
use crate::status::{self, PublicState, VersionStatus};
use serde::Serialize;
use uuid::Uuid;

/// The channel that carries `asset_id`'s events.
pub fn channel(redis: &Redis, asset_id: Uuid) -> String {
    redis.key(&format!("events:asset:{asset_id}"))
}

/// What subscribers receive, as JSON.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A job about the asset changed state or made progress.
    Job {
        job_id: Uuid,
        kind: String,
        version_id: Option<Uuid>,
        /// queued, running, ready, failed or cancelled.
        state: &'static str,
        /// The job's own state in the four public words.
        public_state: PublicState,
        /// What the job's state means for its asset (`status::asset_state_of_job`); absent for
        /// jobs that do not change what the asset is (posters, clean-up).
        #[serde(skip_serializing_if = "Option::is_none")]
        asset_state: Option<PublicState>,
        /// The badge label of `asset_state`, else of `public_state`.
        label: &'static str,
        progress: f32,
        eta_seconds: Option<i32>,
        error: Option<String>,
    },
    /// A version of the asset changed status (stored, checksum_mismatch, ...).
    Version {
        version_id: Uuid,
        status: VersionStatus,
        /// What people see of the version, and its badge label.
        public_state: PublicState,
        label: &'static str,
        error: Option<String>,
    },
    /// A version's preview plays from now on, while its preview job goes on (`playable_at`).
    Playable { version_id: Uuid },
    /// A comment on one of the asset's versions changed; pages re-fetch the list.
    Comment {
        /// created, updated, resolved, reopened or deleted.
        action: &'static str,
        version_id: Uuid,
        comment_id: Uuid,
        parent_id: Option<Uuid>,
    },
    /// A version's review status after a decision.
    Review {
        version_id: Uuid,
        status: &'static str,
        label: &'static str,
    },
}

impl Event {
    pub fn of_version(version_id: Uuid, status: VersionStatus, error: Option<String>) -> Self {
        let public_state = status.public(None);
        Event::Version {
            version_id,
            status,
            public_state,
            label: public_state.label(),
            error,
        }
    }

    pub fn of_job(row: &JobRow) -> Self {
        let public_state = row.state.public();
        let asset_state = status::asset_state_of_job(&row.kind, row.state);
        Event::Job {
            job_id: row.id,
            kind: row.kind.clone(),
            version_id: row.version_id,
            state: row.public_state(),
            public_state,
            asset_state,
            label: asset_state.unwrap_or(public_state).label(),
            progress: row.progress,
            eta_seconds: row.eta_seconds,
            error: row.error.clone(),
        }
    }
}

pub async fn publish(redis: &Redis, asset_id: Uuid, event: &Event) {
    let Ok(body) = serde_json::to_string(event) else {
        return;
    };
    let r: Result<i64, _> = redis
        .query(
            redis::cmd("PUBLISH")
                .arg(channel(redis, asset_id))
                .arg(body),
        )
        .await;
    if let Err(e) = r {
        tracing::debug!(%asset_id, error = %e, "event not published");
    }
}

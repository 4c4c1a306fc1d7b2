//! Waiting on jobs: poll a job row (by id, or by asset and kind) until a condition holds.

use mm::db::models::job::{self as model, JobRow};
use mm::state::AppState;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The job's row; panics when there is none.
pub async fn job(state: &AppState, id: Uuid) -> JobRow {
    state
        .db
        .run(move |c| model::find(c, id))
        .await
        .unwrap()
        .expect("job row exists")
}

/// Polls the job until `done` holds; panics with the row after `within`.
pub async fn wait_job(
    state: &AppState,
    id: Uuid,
    within: Duration,
    done: impl Fn(&JobRow) -> bool,
) -> JobRow {
    let deadline = Instant::now() + within;
    loop {
        let row = job(state, id).await;
        if done(&row) {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "job never reached the state: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the asset's job of `kind` (once something queued it) until `done` holds.
pub async fn wait_job_of(
    state: &AppState,
    asset_id: Uuid,
    kind: &str,
    within: Duration,
    done: impl Fn(&JobRow) -> bool,
) -> JobRow {
    let deadline = Instant::now() + within;
    loop {
        let rows = state
            .db
            .run(move |c| model::for_asset(c, asset_id))
            .await
            .unwrap();
        let row = rows.into_iter().find(|j| j.kind == kind);
        if let Some(row) = &row
            && done(row)
        {
            return row.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the {kind} job never got there: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Finished one way or the other.
pub fn finished(row: &JobRow) -> bool {
    !matches!(row.state.as_str(), "queued" | "running")
}

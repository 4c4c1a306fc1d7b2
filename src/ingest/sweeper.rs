//! The sweeper: aborts uploads idle longer than MM_UPLOAD_TTL and deletes their staging
//! objects. Safe with several instances: each upload is taken with SKIP LOCKED and marked
//! `expiring` before storage is touched; an expiry left half done is picked up again later.

use super::uploads::discard_storage;
use crate::audit::{self, Entry};
use crate::db::models::upload as model;
use crate::state::AppState;
use tokio_util::sync::CancellationToken;

/// Sweeps every MM_UPLOAD_SWEEP_INTERVAL until `shutdown`.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let every = state.config.ingest.sweep_interval;
    loop {
        match sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "idle uploads aborted"),
            Err(e) => tracing::warn!(error = %e, "upload sweep failed; retrying next interval"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// One sweep; returns how many uploads expired.
pub async fn sweep(state: &AppState) -> Result<usize, crate::error::AppError> {
    let ttl = state.config.ingest.upload_ttl.as_secs_f64();
    let mut expired = 0;
    loop {
        let batch = state
            .db
            .run(move |c| model::claim_idle(c, ttl, 100))
            .await?;
        if batch.is_empty() {
            return Ok(expired);
        }
        for u in batch {
            if let Err(e) = discard_storage(state, &u).await {
                // Left `expiring`: a later sweep tries again.
                tracing::warn!(upload_id = %u.id, error = %e, "cannot remove an idle upload from storage");
                continue;
            }
            let id = u.id;
            let entry = Entry::system("sweeper", "upload.expire")
                .target("upload", id)
                .details(serde_json::json!({ "staging_key": u.staging_key }));
            let done = state
                .db
                .run(move |c| {
                    use diesel::Connection;
                    c.transaction(|c| {
                        let done = model::finish(c, id, "expired", None)?;
                        if done {
                            audit::record_in(c, &entry)?;
                        }
                        Ok(done)
                    })
                })
                .await?;
            if done {
                state.upload_metrics.failed("expired");
                expired += 1;
                tracing::info!(upload_id = %id, key = %u.staging_key, "idle upload expired");
            }
        }
    }
}

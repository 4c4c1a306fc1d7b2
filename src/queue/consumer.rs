//! The worker's consume loop (placeholder turn: checks Redis and beats until the job system lands).

use super::WorkerStatus;
use crate::state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub async fn run(state: AppState, status: Arc<WorkerStatus>, shutdown: CancellationToken) {
    loop {
        match state.redis.ping().await {
            Ok(()) => status.beat(),
            Err(e) => tracing::warn!(error = %e, "worker cannot reach Redis; retrying"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

//! The worker role: the consume loop, plus `/health` and `/metrics` on MM_WORKER_HEALTH_PORT.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::queue::{self, WorkerStatus};
use crate::state::AppState;
use crate::web::Parts;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub(super) async fn parts(
    config: &Arc<Config>,
    metrics: &Arc<Metrics>,
    shutdown: &CancellationToken,
    tasks: &mut Vec<JoinHandle<()>>,
) -> anyhow::Result<Parts> {
    let state = AppState::connect(config.clone(), metrics.clone()).await?;
    let status = spawn(&state, shutdown, tasks);
    Ok(Parts {
        worker: Some(status),
        metrics: Some(metrics.clone()),
        ..Default::default()
    })
}

/// Starts the consume loop, the reconciler and the upload sweeper; shared with `all`.
pub(super) fn spawn(
    state: &AppState,
    shutdown: &CancellationToken,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Arc<WorkerStatus> {
    let status = Arc::new(WorkerStatus::default());
    tasks.push(tokio::spawn(queue::consumer::run(
        state.clone(),
        status.clone(),
        shutdown.child_token(),
    )));
    tasks.push(tokio::spawn(queue::reconciler::run(
        state.clone(),
        queue::Registry::builtin(),
        shutdown.child_token(),
    )));
    tasks.push(tokio::spawn(crate::ingest::sweeper::run(
        state.clone(),
        shutdown.child_token(),
    )));
    tasks.push(tokio::spawn(crate::webhooks::sweep::run(
        state.clone(),
        shutdown.child_token(),
    )));
    // The hardware encoder's test encode runs now, not in the first preview job; temp dirs
    // of workers killed on this disk are cleared.
    let s = state.clone();
    tokio::spawn(async move {
        let dir = s.config.preview.work_dir.clone();
        let _ = tokio::task::spawn_blocking(move || crate::previews::workdir::sweep(&dir)).await;
        crate::previews::source::encoder(&s).await;
    });
    status
}

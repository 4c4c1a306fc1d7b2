//! The all role: api, edge and worker in one process on one port, for one-box work.

use super::worker;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::web::Parts;
use crate::web::edge::EdgeState;
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
    let status = worker::spawn(&state, shutdown, tasks);
    Ok(Parts {
        api: Some(state),
        edge: Some(EdgeState::new(config.clone(), metrics.clone()).await?),
        worker: Some(status),
        metrics: Some(metrics.clone()),
    })
}

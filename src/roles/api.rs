//! The api role: pages and `/api/*` over PostgreSQL, Redis and storage.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::web::Parts;
use std::sync::Arc;

pub(super) async fn parts(config: &Arc<Config>, metrics: &Arc<Metrics>) -> anyhow::Result<Parts> {
    let state = AppState::connect(config.clone(), metrics.clone()).await?;
    Ok(Parts {
        api: Some(state),
        metrics: Some(metrics.clone()),
        ..Default::default()
    })
}

//! The edge role: signed delivery from storage; needs neither PostgreSQL nor Redis.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::web::Parts;
use crate::web::edge::EdgeState;
use std::sync::Arc;

pub(super) async fn parts(config: &Arc<Config>, metrics: &Arc<Metrics>) -> anyhow::Result<Parts> {
    Ok(Parts {
        edge: Some(EdgeState::new(config.clone(), metrics.clone()).await?),
        metrics: Some(metrics.clone()),
        ..Default::default()
    })
}

//! The edge role: signed delivery under `/s/`, its `/health`.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::storage::DynStorage;
use actix_web::{HttpResponse, web};
use std::sync::Arc;

/// What edge handlers share.
#[derive(Clone)]
pub struct EdgeState {
    pub config: Arc<Config>,
    pub storage: DynStorage,
    pub metrics: Arc<Metrics>,
}

impl EdgeState {
    pub async fn new(config: Arc<Config>, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let storage = crate::storage::open_for_edge(&config).await?;
        Ok(Self {
            config,
            storage,
            metrics,
        })
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health));
}

async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

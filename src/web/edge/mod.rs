//! The edge role: signed, prefix-scoped, cacheable delivery under `/s/`, and its `/health`.

mod body;
mod cors;
mod deliver;
mod hot;
pub mod metrics;
mod origin;
pub mod path;
pub mod respond;
mod serve;

use crate::config::Config;
use crate::edge_cache::{CacheMetrics, DiskCache};
use crate::metrics::Metrics;
use crate::signing::Signer;
use crate::storage::DynStorage;
use actix_web::{HttpResponse, web};
use metrics::EdgeMetrics;
use std::sync::Arc;
use std::time::Duration;

/// What edge handlers share.
#[derive(Clone)]
pub struct EdgeState {
    pub config: Arc<Config>,
    pub storage: DynStorage,
    pub metrics: Arc<Metrics>,
    pub signer: Arc<Signer>,
    /// The disk cache in front of remote storage; `None` with local storage or
    /// MM_EDGE_CACHE_MAX_BYTES=0.
    pub cache: Option<DiskCache>,
    edge_metrics: EdgeMetrics,
    hot: Arc<hot::HotCache>,
    cors: Arc<cors::Cors>,
    origin_timeout: Duration,
}

impl EdgeState {
    /// Opens storage with the edge's (read-only on S3) credentials, and the disk cache when
    /// reads cross the network.
    pub async fn new(config: Arc<Config>, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let storage = crate::storage::open_for_edge(&config).await?;
        let edge_metrics = EdgeMetrics::new(&metrics);
        let origin_timeout = Duration::from_secs(config.edge.origin_timeout_secs);
        let cache = if storage.is_remote() && config.edge.cache_max_bytes > 0 {
            Some(DiskCache::open(
                &config.edge.cache_dir,
                config.edge.cache_max_bytes,
                storage.clone(),
                origin_timeout,
                CacheMetrics::new(&metrics),
                edge_metrics.origin_seconds.clone(),
            )?)
        } else {
            None
        };
        Ok(Self {
            signer: Arc::new(Signer::new(&config.edge_keys)),
            cors: Arc::new(cors::Cors::new(&config.allowed_origins)),
            hot: Arc::new(hot::HotCache::new(config.edge.memory_bytes)),
            config,
            storage,
            metrics,
            cache,
            edge_metrics,
            origin_timeout,
        })
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // A scope's static prefix, not a `{tail:.*}` pattern: a regex match of every path cost
    // more than the rest of the request put together.
    cfg.route("/health", web::get().to(health))
        .service(web::scope("/s").default_service(web::to(serve::serve)));
}

async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

//! AppState: what api and worker handlers share (configuration, pools, storage, metrics).

use crate::config::Config;
use crate::db::Db;
use crate::ingest::UploadMetrics;
use crate::metrics::Metrics;
use crate::queue::QueueMetrics;
use crate::redis_pool::Redis;
use crate::storage::{self, DynStorage};
use anyhow::{Context, anyhow};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub redis: Redis,
    pub storage: DynStorage,
    pub metrics: Arc<Metrics>,
    pub queue_metrics: Arc<QueueMetrics>,
    pub upload_metrics: Arc<UploadMetrics>,
}

impl AppState {
    /// Builds the pools and storage, then checks that PostgreSQL and Redis answer, so a role
    /// with a wrong URL refuses to start with one line naming the variable.
    pub async fn connect(config: Arc<Config>, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(config.db_timeout_secs);
        let db_url = config
            .database_url
            .as_ref()
            .ok_or_else(|| anyhow!("DATABASE_URL is not set"))?;
        let db = Db::new(db_url, config.db_pool_size, timeout).context("DATABASE_URL")?;
        let redis_url = config
            .redis_url
            .as_ref()
            .ok_or_else(|| anyhow!("REDIS_URL is not set"))?;
        let redis = Redis::new(
            redis_url,
            &config.redis_prefix,
            config.redis_pool_size,
            timeout,
        )
        .context("REDIS_URL")?;
        db.ping()
            .await
            .map_err(|e| anyhow!("DATABASE_URL: cannot reach PostgreSQL: {e}"))?;
        redis
            .ping()
            .await
            .map_err(|e| anyhow!("REDIS_URL: cannot reach Redis: {e}"))?;
        let storage = storage::open(&config).await.context("opening storage")?;
        Ok(Self {
            config,
            db,
            redis,
            storage,
            queue_metrics: QueueMetrics::new(&metrics),
            upload_metrics: UploadMetrics::new(&metrics),
            metrics,
        })
    }

    /// Copies pool gauges into the registry; called before each scrape.
    pub fn refresh_gauges(&self) {
        self.metrics.set_pool("database", self.db.status());
        self.metrics.set_pool("redis", self.redis.status());
    }
}

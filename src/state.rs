//! AppState: what api and worker handlers share (configuration, pools, storage, metrics).

use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::metrics::QueueMetrics;
use crate::metrics::UploadMetrics;
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
    /// The process's one Redis pub/sub connection, fanned out to every event stream.
    pub hub: Arc<crate::events::hub::Hub>,
    /// Local-storage PUTs in flight per object, part and upload.
    pub puts: Arc<crate::limits::InFlight>,
    /// The ladder's H.264 encoder, chosen once per process by a test encode (worker start).
    pub preview_encoder: Arc<tokio::sync::OnceCell<crate::media::encoder::Encoder>>,
    /// The edge URL signer (`MM_EDGE_KEYS`), built once at start: the keys are decoded and
    /// prepared here, not on every request that signs a preview or a poster.
    pub signer: Arc<crate::signing::Signer>,
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
        crate::deployment::claim_prefix(&db, &redis).await?;
        let storage = storage::open(&config).await.context("opening storage")?;
        let hub_redis = redis.clone();
        Ok(Self {
            signer: Arc::new(crate::signing::Signer::new(&config.edge_keys)),
            config,
            db,
            redis,
            storage,
            queue_metrics: QueueMetrics::new(&metrics),
            upload_metrics: UploadMetrics::new(&metrics),
            preview_encoder: Default::default(),
            puts: crate::limits::InFlight::new(),
            hub: crate::events::hub::Hub::new(hub_redis),
            metrics,
        })
    }

    /// Copies pool gauges into the registry; called before each scrape.
    pub fn refresh_gauges(&self) {
        self.metrics.set_pool("database", self.db.status());
        self.metrics.set_pool("redis", self.redis.status());
    }
}

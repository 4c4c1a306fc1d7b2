//! Redis through deadpool-redis: a pool whose connections are checked with PING on reuse, so
//! a Redis restart heals by itself, and a key prefix so tests and deployments never collide.

use deadpool_redis::{
    Config as PoolConfig, Connection, Pool, PoolConfig as Limits, Runtime, Timeouts,
};
use secrecy::ExposeSecret;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("no connection: {0}")]
    Pool(String),
    #[error(transparent)]
    Command(#[from] redis::RedisError),
    #[error("timed out")]
    Timeout,
}

impl From<deadpool_redis::PoolError> for RedisError {
    fn from(e: deadpool_redis::PoolError) -> Self {
        RedisError::Pool(e.to_string())
    }
}

#[derive(Clone)]
pub struct Redis {
    pool: Pool,
    /// For dedicated pub/sub connections, which a pool cannot lend.
    client: redis::Client,
    prefix: String,
    timeout: Duration,
}

impl Redis {
    pub fn new(
        url: &secrecy::SecretString,
        prefix: &str,
        max_size: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let mut cfg = PoolConfig::from_url(url.expose_secret());
        let mut limits = Limits::new(max_size);
        limits.timeouts = Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        };
        cfg.pool = Some(limits);
        let pool = cfg.create_pool(Some(Runtime::Tokio1))?;
        let client = redis::Client::open(url.expose_secret())?;
        Ok(Self {
            pool,
            client,
            prefix: prefix.to_string(),
            timeout,
        })
    }

    /// A pooled connection; a stale one is replaced after a failed PING.
    pub async fn conn(&self) -> Result<Connection, RedisError> {
        Ok(self.pool.get().await?)
    }

    /// A dedicated pub/sub connection (a pool cannot lend one), opened within the time
    /// limit. The process's one event fan-out (`events::hub`) is its only user.
    pub async fn pubsub(&self) -> Result<redis::aio::PubSub, RedisError> {
        tokio::time::timeout(self.timeout, self.client.get_async_pubsub())
            .await
            .map_err(|_| RedisError::Timeout)?
            .map_err(RedisError::from)
    }

    /// The time limit of every wait on Redis.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The full key for `name` under this instance's prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs one command with the pool's time limit.
    pub async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, RedisError> {
        let mut conn = self.conn().await?;
        match tokio::time::timeout(self.timeout, cmd.query_async(&mut conn)).await {
            Ok(r) => Ok(r?),
            Err(_) => Err(RedisError::Timeout),
        }
    }

    pub async fn ping(&self) -> Result<(), RedisError> {
        let _: String = self.query(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// Pool size and connections in use, for `/metrics`.
    pub fn status(&self) -> (usize, usize) {
        let s = self.pool.status();
        (s.size, s.size.saturating_sub(s.available))
    }
}

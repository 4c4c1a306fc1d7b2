//! The test harness: fresh databases from a migrated template, a Redis key prefix per test,
//! the app spawned in-process on port 0 (its teardown fails a test that leaves jobs behind),
//! callers signed in or with tokens, SQL and job helpers, test bytes, and the real `mm`
//! binary as a kill-on-drop worker process.

mod client;
mod data;
mod db;
mod jobs;
mod moto;
mod services;
mod teardown;
mod worker;

pub use client::{ApiClient, PASSWORD, caller, new_client, parts, seed_token, seed_user};
pub use data::{count, data, exec, rows, sha256_hex};
pub use db::TestDb;
pub use jobs::{finished, job, wait_job, wait_job_of};
pub use moto::Moto;
pub use services::{PrivatePostgres, PrivateRedis, free_port};
pub use worker::{WorkerProcess, ffmpegs_in};

use mm::config::{Config, Env, Role};
use mm::roles::Running;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use tempfile::TempDir;

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A random key for MM_EDGE_KEYS / MM_SECRET_KEY.
pub fn new_key() -> String {
    mm::commands::new_key().expect("random key")
}

/// Builds a TestApp; `env` overrides any default variable.
pub struct TestAppBuilder {
    role: Role,
    env: BTreeMap<String, String>,
    db: Option<TestDb>,
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub env: BTreeMap<String, String>,
    pub data_dir: TempDir,
    pub redis_prefix: String,
    role: Role,
    /// Set by `allow_unfinished_jobs`: why this test may end with jobs in flight.
    unfinished_ok: std::sync::OnceLock<&'static str>,
    running: Option<Running>,
}

impl TestApp {
    pub fn builder(role: Role) -> TestAppBuilder {
        TestAppBuilder {
            role,
            env: BTreeMap::new(),
            db: None,
        }
    }

    pub async fn spawn(role: Role) -> TestApp {
        Self::builder(role).spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The environment this app was started with, as an `Env` for code under test.
    pub fn config(&self) -> Config {
        Config::from_env(&Env::from_pairs(self.env.clone()))
    }

    /// A Redis connection for inspecting what the app wrote under its prefix.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(redis_url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Graceful stop, as on SIGTERM.
    pub async fn stop(mut self) {
        // Idle keep-alive connections would hold the drain until they time out.
        self.client = reqwest::Client::new();
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

impl TestAppBuilder {
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.insert(key.to_string(), value.into());
        self
    }

    /// Uses an existing database (for outage tests with a private server).
    pub fn database(mut self, db: TestDb) -> Self {
        self.db = Some(db);
        self
    }

    pub async fn spawn(self) -> TestApp {
        self.try_spawn().await.expect("app starts")
    }

    pub async fn try_spawn(self) -> anyhow::Result<TestApp> {
        let db = match self.db {
            Some(db) => db,
            None => TestDb::new().await,
        };
        let data_dir = tempfile::tempdir()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let redis_prefix = format!("mmtest:{}:", uuid::Uuid::new_v4().simple());
        let mut env: BTreeMap<String, String> = [
            ("PORT", port.to_string()),
            ("MM_BIND", "127.0.0.1".into()),
            ("MM_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
            ("DATABASE_URL", db.url.clone()),
            ("REDIS_URL", redis_url()),
            ("MM_REDIS_PREFIX", redis_prefix.clone()),
            ("MM_DATA_DIR", data_dir.path().display().to_string()),
            ("MM_EDGE_KEYS", format!("t1:{}", new_key())),
            ("MM_SECRET_KEY", new_key()),
            ("MM_WORKER_HEALTH_PORT", port.to_string()),
            ("MM_DB_TIMEOUT", "2".into()),
            ("MM_SHUTDOWN_TIMEOUT", "10".into()),
            ("MM_LOG_FORMAT", "pretty".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        env.extend(self.env);
        let config = Config::from_env(&Env::from_pairs(env.clone()));
        let problems = config.problems_for(self.role);
        anyhow::ensure!(problems.is_empty(), "test config problems: {problems:?}");
        let running = mm::roles::start(config, self.role, Some(listener)).await?;
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(TestApp {
            addr: running.addr,
            client,
            db,
            env,
            data_dir,
            redis_prefix,
            role: self.role,
            unfinished_ok: std::sync::OnceLock::new(),
            running: Some(running),
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.check_jobs_finished();
        // Remove this test's Redis keys; the database is dropped by TestDb.
        let prefix = self.redis_prefix.clone();
        if let Ok(client) = redis::Client::open(redis_url())
            && let Ok(mut c) = client.get_connection()
        {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{prefix}*"))
                .query(&mut c)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: Result<(), _> = redis::cmd("DEL").arg(keys).query(&mut c);
            }
        }
    }
}

/// A plain HTTP client (rustls needs its process-wide crypto provider first).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The `mm` binary built for these tests.
pub fn mm_bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mm"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MM_LOG_FORMAT", "json");
    cmd
}

//! PostgreSQL through diesel: the pool, `run` for every query, and the embedded migrations.

pub mod models;
pub mod schema;

use deadpool_diesel::postgres::{Manager, Object, Pool};
use deadpool_diesel::{PoolError, Runtime, Timeouts};
use diesel::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret;
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no connection within the time limit: {0}")]
    Unavailable(String),
    #[error("record not found")]
    NotFound,
    #[error("conflicts with an existing record: {0}")]
    Conflict(String),
    #[error(transparent)]
    Query(DieselError),
    #[error("the query task failed: {0}")]
    Task(String),
}

impl DbError {
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            DbError::Unavailable(_)
                | DbError::Query(DieselError::DatabaseError(
                    DatabaseErrorKind::ClosedConnection,
                    _
                ))
                | DbError::Query(DieselError::BrokenTransactionManager)
        )
    }
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Conflict(info.constraint_name().unwrap_or("unique").to_string())
            }
            other => DbError::Query(other),
        }
    }
}

impl From<PoolError> for DbError {
    fn from(e: PoolError) -> Self {
        DbError::Unavailable(e.to_string())
    }
}

/// A pool of diesel connections whose every wait is bounded by `timeout`.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    timeout: Duration,
}

impl Db {
    /// Builds the pool without connecting: the first query connects, so a role can start
    /// (and report 503) while the database is still coming up.
    pub fn new(
        url: &secrecy::SecretString,
        max_size: usize,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let manager = Manager::new(
            with_connect_timeout(url.expose_secret(), timeout),
            Runtime::Tokio1,
        );
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .timeouts(Timeouts {
                wait: Some(timeout),
                create: Some(timeout),
                recycle: Some(timeout),
            })
            .runtime(Runtime::Tokio1)
            .build()?;
        Ok(Self { pool, timeout })
    }

    async fn conn(&self) -> Result<Object, DbError> {
        Ok(self.pool.get().await?)
    }

    /// Runs `f` on a pooled connection on the blocking pool, inside the caller's span, and
    /// gives up after the pool's timeout.
    pub async fn run<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, DieselError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_db(move |c| f(c).map_err(DbError::from)).await
    }

    /// Like `run`, for work that already speaks `DbError` (a transaction over model calls
    /// that map their own errors), so a conflict inside stays a conflict (409), not a 500.
    pub async fn run_db<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = self.conn().await?;
        let span = tracing::Span::current();
        let work = conn.interact(move |c| span.in_scope(|| f(c)));
        match tokio::time::timeout(self.timeout * 6, work).await {
            Err(_) => Err(DbError::Unavailable("query timed out".into())),
            Ok(Err(e)) => Err(DbError::Task(e.to_string())),
            Ok(Ok(r)) => r,
        }
    }

    /// `SELECT 1`, for health checks.
    pub async fn ping(&self) -> Result<(), DbError> {
        use diesel::RunQueryDsl;
        self.run(|c| diesel::sql_query("SELECT 1").execute(c).map(|_| ()))
            .await
    }

    /// Pool size and connections in use, for `/metrics`.
    pub fn status(&self) -> (usize, usize) {
        let s = self.pool.status();
        (s.size, s.size.saturating_sub(s.available))
    }
}

/// Adds libpq's `connect_timeout` so an unreachable host fails fast instead of hanging.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={}", timeout.as_secs().max(2))
}

/// Runs migrations on one direct connection (for `mm migrate` and test templates).
pub fn migrate_url(url: &str) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    use diesel::Connection;
    let mut c = PgConnection::establish(url).context("cannot reach PostgreSQL")?;
    let applied = c
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("applying migrations")?;
    Ok(applied.iter().map(|m| m.to_string()).collect())
}

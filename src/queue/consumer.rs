//! The worker's consume loop: XREADGROUP into MM_WORKER_CONCURRENCY slots, XAUTOCLAIM of
//! entries whose worker went silent, retries moved back from `jobs:delayed`, and on shutdown
//! a drain that finishes or hands back every running job.

use super::runner::{self, Shared};
use super::stream::{self, Entry};
use super::{Registry, WorkerStatus};
use crate::state::AppState;
use redis::aio::MultiplexedConnection;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How long one XREADGROUP waits for new entries.
const BLOCK: Duration = Duration::from_secs(2);

pub struct Consumer {
    shared: Arc<Shared>,
    concurrency: usize,
    shutdown_timeout: Duration,
}

/// `<hostname>-<pid>-<random>`: readable in XINFO, and never shared by two processes even
/// when containers reuse pids.
pub fn consumer_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "mm".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}

impl Consumer {
    /// A consumer running the kinds of `registry` with the configured concurrency.
    pub fn new(state: AppState, registry: Registry) -> Self {
        let concurrency = state.config.worker_concurrency.max(1);
        let shutdown_timeout = Duration::from_secs(state.config.shutdown_timeout_secs);
        let cfg = state.config.jobs.clone();
        Self {
            shared: Arc::new(Shared {
                state,
                registry,
                name: consumer_name(),
                cfg,
            }),
            concurrency,
            shutdown_timeout,
        }
    }

    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Consumes until `shutdown`, then drains: running jobs get until shortly before
    /// MM_SHUTDOWN_TIMEOUT to finish, after which they are handed back.
    pub async fn run(self, status: Arc<WorkerStatus>, shutdown: CancellationToken) {
        let sh = self.shared.clone();
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let handback = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut conn: Option<MultiplexedConnection> = None;
        let mut group_ready = false;
        let mut last_autoclaim: Option<Instant> = None;
        tracing::info!(consumer = %sh.name, concurrency = self.concurrency, "consume loop started");
        while !shutdown.is_cancelled() {
            status.beat();
            while let Some(done) = tasks.try_join_next() {
                if let Err(e) = done {
                    tracing::error!(error = %e, "a job runner stopped abnormally");
                }
            }
            if !group_ready {
                match stream::ensure_group(&sh.state.redis).await {
                    Ok(()) => group_ready = true,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot reach the job stream; retrying");
                        pause(&shutdown, Duration::from_secs(1)).await;
                        continue;
                    }
                }
            }
            if let Err(e) = stream::move_due(&sh.state.redis, now_ms(), 100).await {
                tracing::warn!(error = %e, "cannot move due retries to the stream");
            }
            // Read only as many entries as there are free slots, so nothing waits in this
            // process while another worker is idle.
            let first = tokio::select! {
                p = slots.clone().acquire_owned() => p.expect("semaphore never closes"),
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(BLOCK) => continue,
            };
            let mut permits = vec![first];
            while let Ok(p) = slots.clone().try_acquire_owned() {
                permits.push(p);
            }
            let autoclaim_due =
                last_autoclaim.is_none_or(|t| t.elapsed() >= sh.cfg.visibility_timeout / 2);
            let mut entries: Vec<Entry> = Vec::new();
            if autoclaim_due {
                last_autoclaim = Some(Instant::now());
                match stream::autoclaim(
                    &sh.state.redis,
                    &sh.name,
                    sh.cfg.visibility_timeout,
                    permits.len(),
                )
                .await
                {
                    Ok(e) => {
                        for entry in &e {
                            tracing::info!(entry = %entry.id, job_id = ?entry.job_id, "reclaimed an entry from a silent worker");
                        }
                        entries = e;
                    }
                    Err(e) if stream::is_no_group(&e) => group_ready = false,
                    Err(e) => tracing::warn!(error = %e, "XAUTOCLAIM failed"),
                }
            }
            if entries.is_empty() && group_ready {
                match read(&sh, &mut conn, permits.len()).await {
                    Ok(e) => entries = e,
                    Err(e) if stream::is_no_group(&e) => group_ready = false,
                    Err(e) => {
                        tracing::warn!(error = %e, "XREADGROUP failed; retrying");
                        conn = None;
                        pause(&shutdown, Duration::from_secs(1)).await;
                    }
                }
            }
            if shutdown.is_cancelled() {
                // Read just as shutdown began: give the entries straight back to the stream
                // rather than leave them pending here until the visibility timeout.
                return_unstarted(&sh, entries).await;
                break;
            }
            for entry in entries {
                let Some(permit) = permits.pop() else { break };
                let (sh, shutdown, handback) = (sh.clone(), shutdown.clone(), handback.clone());
                let span = runner::job_span(&entry);
                tasks.spawn(
                    async move {
                        runner::process(sh, entry, shutdown, handback).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
        }
        status.beat();
        self.drain(tasks, handback).await;
        tracing::info!(consumer = %sh.name, "consume loop stopped");
    }

    async fn drain(&self, mut tasks: JoinSet<()>, handback: CancellationToken) {
        if tasks.is_empty() {
            return;
        }
        // Leave time inside MM_SHUTDOWN_TIMEOUT to write the hand-backs.
        let margin = (self.shutdown_timeout / 5).max(Duration::from_secs(1));
        let grace = self.shutdown_timeout.saturating_sub(margin);
        tracing::info!(
            running = tasks.len(),
            ?grace,
            "waiting for running jobs before stopping"
        );
        let finished =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if finished.is_err() {
            tracing::warn!(
                running = tasks.len(),
                "shutdown deadline: handing running jobs back"
            );
            handback.cancel();
            while tasks.join_next().await.is_some() {}
        }
    }
}

async fn read(
    sh: &Shared,
    conn: &mut Option<MultiplexedConnection>,
    count: usize,
) -> Result<Vec<Entry>, crate::redis_pool::RedisError> {
    if conn.is_none() {
        *conn = Some(stream::blocking_conn(&sh.state.redis, BLOCK).await?);
    }
    let c = conn.as_mut().expect("connection just set");
    stream::read(c, &sh.state.redis, &sh.name, count, BLOCK).await
}

async fn return_unstarted(sh: &Shared, entries: Vec<Entry>) {
    for entry in entries {
        let requeued = match entry.job_id {
            Some(id) => stream::add(&sh.state.redis, id).await.is_ok(),
            None => true,
        };
        if requeued && let Err(e) = stream::ack(&sh.state.redis, &entry.id).await {
            tracing::debug!(entry = %entry.id, error = %e, "unstarted entry not acknowledged");
        }
    }
}

async fn pause(shutdown: &CancellationToken, d: Duration) {
    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = tokio::time::sleep(d) => {}
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The worker role's loop: the built-in job kinds with the configured concurrency.
pub async fn run(state: AppState, status: Arc<WorkerStatus>, shutdown: CancellationToken) {
    Consumer::new(state, Registry::builtin())
        .run(status, shutdown)
        .await
}

//! The reconciler: makes Redis agree with PostgreSQL again, so a Redis restart without
//! persistence (or a crash between a commit and its XADD) loses no job. Safe with several
//! instances: rows are taken with `FOR UPDATE SKIP LOCKED` and stamped before any XADD.

use super::{Registry, stream};
use crate::db::models::job as model;
use crate::events::{self, Event};
use crate::state::AppState;
use std::time::Duration;
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

/// Queue gauges are refreshed at least this often, even with a long reconcile interval.
const STATS_EVERY: Duration = Duration::from_secs(10);
/// Consumers idle this long with nothing pending are removed from the group.
const FORGET_CONSUMERS_AFTER: Duration = Duration::from_secs(86_400);

/// What one pass changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Running jobs whose worker went silent, queued again.
    pub requeued_stale: usize,
    /// Running jobs whose worker went silent on their last attempt, now dead.
    pub buried: usize,
    /// Queued jobs Redis had lost, put back on the stream.
    pub redelivered: usize,
}

/// Runs a pass every MM_JOB_RECONCILE_INTERVAL until `shutdown`.
pub async fn run(state: AppState, registry: Registry, shutdown: CancellationToken) {
    let interval = state.config.jobs.reconcile_interval;
    let mut last_pass: Option<tokio::time::Instant> = None;
    loop {
        if last_pass.is_none_or(|t| t.elapsed() >= interval) {
            last_pass = Some(tokio::time::Instant::now());
            match pass(&state, &registry).await {
                Ok(p) if p != Pass::default() => {
                    tracing::info!(?p, "reconciler repaired the queue")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "reconciler pass failed; retrying next interval")
                }
            }
        }
        if let Err(e) = refresh_stats(&state).await {
            tracing::debug!(error = %e, "queue gauges not refreshed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval.min(STATS_EVERY)) => {}
        }
    }
}

/// One reconciliation: stale running jobs back to queued (or dead), then every queued, due
/// job of a kind this build runs that Redis no longer holds back on the stream.
pub async fn pass(state: &AppState, registry: &Registry) -> anyhow::Result<Pass> {
    use anyhow::Context;
    let cfg = &state.config.jobs;
    let stale = cfg.visibility_timeout.as_secs_f64();
    let mut out = Pass::default();

    let rows = state
        .db
        .run(move |c| model::requeue_stale(c, stale, 500))
        .await
        .context("re-queueing stale jobs")?;
    for row in rows {
        if row.state == "dead" {
            out.buried += 1;
            let reason = row.error.clone().unwrap_or_default();
            tracing::error!(job_id = %row.id, kind = %row.kind, "job is dead: its worker stopped responding on the last attempt");
            state.queue_metrics.finished(&row.kind, "dead");
            if let Err(e) =
                stream::dead_letter(&state.redis, row.id, &row.kind, row.attempts, &reason).await
            {
                tracing::warn!(job_id = %row.id, error = %e, "dead job not written to the dead-letter stream");
            }
        } else {
            out.requeued_stale += 1;
            tracing::warn!(job_id = %row.id, kind = %row.kind, "job's worker went silent; queued again");
        }
        if let Some(asset_id) = row.asset_id {
            events::publish(&state.redis, asset_id, &Event::of_job(&row)).await;
        }
    }

    // Read Redis before PostgreSQL: a job added in between is younger than the grace period
    // and is not taken.
    let present = stream::present_job_ids(&state.redis)
        .await
        .context("reading the job stream")?;
    let kinds = registry.kinds();
    let grace = cfg
        .reconcile_interval
        .clamp(Duration::from_secs(1), Duration::from_secs(60));
    let grace = grace.as_secs_f64();
    let due = state
        .db
        .run(move |c| model::take_due_unenqueued(c, &kinds, grace, 1000))
        .await
        .context("reading queued jobs")?;
    for (id, kind) in due {
        if present.contains(&id) {
            continue;
        }
        stream::add(&state.redis, id)
            .await
            .context("putting a job back on the stream")?;
        tracing::info!(job_id = %id, %kind, "queued job was missing from Redis; delivered again");
        out.redelivered += 1;
    }
    if let Err(e) = stream::forget_idle_consumers(&state.redis, FORGET_CONSUMERS_AFTER).await {
        tracing::debug!(error = %e, "idle consumers not removed");
    }
    Ok(out)
}

/// Sets the queue depth and oldest-job gauges from PostgreSQL.
pub async fn refresh_stats(state: &AppState) -> Result<(), crate::db::DbError> {
    let stats = state.db.run(model::queue_stats).await?;
    let m = &state.queue_metrics;
    m.depth.reset();
    let now = OffsetDateTime::now_utc();
    let mut oldest = 0.0f64;
    for (kind, n, created) in stats {
        m.depth.with_label_values(&[&kind]).set(n);
        oldest = oldest.max((now - created).as_seconds_f64());
    }
    m.oldest_age.set(oldest.max(0.0));
    Ok(())
}

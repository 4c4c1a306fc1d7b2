//! `promote`: copies a completed upload from staging to
//! `masters/<asset-id>/<version-id>/<filename>` with the configured Object Lock retention,
//! computes the master's SHA-256 streaming and compares it with the declared one, marks the
//! version `stored` and queues its preview job in one transaction, and only then deletes the
//! staging copy. Every step can run again after a crash.

use super::preview::PREVIEW_KIND;
use crate::audit::{self, Entry};
use crate::db::models::{job, version, version::Version};
use crate::events::{self, Event};
use crate::queue::{self, Job, JobContext, JobError, Subject};
use crate::state::AppState;
use crate::status::VersionStatus;
use crate::storage::{Bucket, ObjectMeta, PutOptions};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Promote {
    pub asset_id: Uuid,
    pub version_id: Uuid,
}

impl Job for Promote {
    const KIND: &'static str = "promote";

    fn subject(&self) -> Subject {
        Subject {
            asset_id: Some(self.asset_id),
            version_id: Some(self.version_id),
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let result = promote(self, ctx).await;
        if let Err(e) = &result
            && (matches!(e, JobError::Fatal(_)) || ctx.is_last_attempt())
        {
            // The job will not run again: the version says why, in words.
            let reason = e.to_string();
            let (id, r) = (self.version_id, reason.clone());
            let changed = ctx
                .state
                .db
                .run(move |c| {
                    version::set_status(
                        c,
                        id,
                        &[VersionStatus::Promoting],
                        VersionStatus::Failed,
                        Some(&r),
                    )
                })
                .await
                .unwrap_or(false);
            if changed {
                publish(&ctx.state, self, VersionStatus::Failed, Some(reason)).await;
            }
        }
        result
    }
}

async fn publish(state: &AppState, job: &Promote, status: VersionStatus, error: Option<String>) {
    let event = Event::of_version(job.version_id, status, error);
    events::publish(&state.redis, job.asset_id, &event).await;
}

async fn promote(job: &Promote, ctx: &JobContext) -> Result<(), JobError> {
    let st = &ctx.state;
    let id = job.version_id;
    let v = st
        .db
        .run(move |c| version::find(c, id))
        .await?
        .ok_or_else(|| JobError::Fatal("The version to store no longer exists.".into()))?;
    match v.status.as_str() {
        "promoting" => {}
        // Settled by an earlier run; a mismatch waits for a person.
        "failed" | "checksum_mismatch" => return Ok(()),
        // Stored by an earlier run that stopped before removing the staging copy.
        _ => return remove_staging(st, &v).await,
    }
    let retention = st.config.ingest.retention(OffsetDateTime::now_utc());
    let master = copy_to_masters(st, &v, retention).await?;
    ctx.progress(5.0, None).await;
    if master.size != v.size_bytes as u64 {
        return Err(JobError::Retry(format!(
            "The copy in masters has {} bytes instead of {}; it will be copied again.",
            master.size, v.size_bytes
        )));
    }
    let sha256 = hash_master(ctx, &v).await?;
    let sha = sha256.clone();
    st.db.run(move |c| version::set_sha256(c, id, &sha)).await?;
    if let Some(declared) = &v.sha256_declared
        && *declared != sha256
    {
        return Err(mismatch(ctx, job, &v, declared, &sha256, retention.is_some()).await);
    }

    let preview = queue::new_job_of_kind(
        st,
        PREVIEW_KIND,
        serde_json::json!({ "asset_id": job.asset_id, "version_id": job.version_id }),
        job.subject(),
    );
    let preview_id = preview.id;
    let lock = retention.map(|(m, until)| (lock_name(m), until));
    let entry = Entry::system("worker", "version.store")
        .target("version", id)
        .details(serde_json::json!({
            "asset_id": job.asset_id,
            "master_key": v.master_key,
            "sha256": sha256,
            "lock_mode": lock.map(|l| l.0),
            "retain_until": lock.map(|l| l.1.unix_timestamp()),
        }));
    let stored = st
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let stored =
                    version::mark_stored(c, id, &sha256, lock.map(|l| l.0), lock.map(|l| l.1))?;
                if stored {
                    job::insert(c, &preview)?;
                    audit::record_in(c, &entry)?;
                }
                Ok(stored)
            })
        })
        .await?;
    if stored {
        queue::deliver(st, &[preview_id]).await;
        publish(st, job, VersionStatus::Stored, None).await;
        tracing::info!(version_id = %id, master = %v.master_key, "master stored and verified");
    }
    // Only now, with the copy verified and recorded, may the staging copy go.
    remove_staging(st, &v).await?;
    ctx.progress(100.0, None).await;
    Ok(())
}

fn lock_name(m: crate::storage::LockMode) -> &'static str {
    match m {
        crate::storage::LockMode::Governance => "governance",
        crate::storage::LockMode::Compliance => "compliance",
    }
}

/// The master, copied from staging unless an earlier attempt already did.
async fn copy_to_masters(
    st: &AppState,
    v: &Version,
    retention: Option<(crate::storage::LockMode, OffsetDateTime)>,
) -> Result<ObjectMeta, JobError> {
    match st.storage.head(Bucket::Masters, &v.master_key).await {
        Ok(m) if m.size == v.size_bytes as u64 => return Ok(m),
        Ok(_) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(JobError::Retry(format!("Storage could not be read: {e}"))),
    }
    let opts = PutOptions {
        content_type: Some(v.content_type.clone()),
        cache_control: None,
        retention,
    };
    st.storage
        .copy(
            (Bucket::Staging, &v.staging_key),
            (Bucket::Masters, &v.master_key),
            opts,
        )
        .await
        .map_err(|e| {
            if e.is_not_found() {
                JobError::Fatal(
                    "The uploaded file is no longer in staging, so it cannot be stored.".into(),
                )
            } else {
                JobError::Retry(format!("Storage could not copy the file to masters: {e}"))
            }
        })
}

/// SHA-256 of the master, read as a stream; reports progress from 5 to 99 percent.
async fn hash_master(ctx: &JobContext, v: &Version) -> Result<String, JobError> {
    let obj = ctx
        .state
        .storage
        .get(Bucket::Masters, &v.master_key, None)
        .await
        .map_err(|e| JobError::Retry(format!("Storage could not read the master back: {e}")))?;
    let mut body = obj.body;
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let (total, started) = (v.size_bytes.max(1) as f64, Instant::now());
    let mut read = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| JobError::Retry(format!("Reading the master failed: {e}")))?;
        digest.update(&chunk);
        read += chunk.len() as u64;
        let done = read as f64 / total;
        let eta = (done > 0.0).then(|| started.elapsed().mul_f64((1.0 - done).max(0.0) / done));
        ctx.progress(
            (5.0 + 94.0 * done) as f32,
            eta.map(|d| d.max(Duration::ZERO)),
        )
        .await;
    }
    if read != v.size_bytes as u64 {
        return Err(JobError::Retry(format!(
            "Reading the master gave {read} bytes instead of {}; it will be read again.",
            v.size_bytes
        )));
    }
    Ok(hex::encode(digest.finish()))
}

/// The master differs from what the uploader declared: the version says so, the staging copy
/// stays for a person to look at, and an unlocked bad copy is removed from masters.
async fn mismatch(
    ctx: &JobContext,
    job: &Promote,
    v: &Version,
    declared: &str,
    actual: &str,
    locked: bool,
) -> JobError {
    let st = &ctx.state;
    let reason = format!(
        "The file's SHA-256 checksum ({actual}) does not match the one declared at upload ({declared}); \
         it was not stored as a master. The upload is kept in staging."
    );
    let (id, r) = (v.id, reason.clone());
    match st
        .db
        .run(move |c| {
            version::set_status(
                c,
                id,
                &[VersionStatus::Promoting],
                VersionStatus::ChecksumMismatch,
                Some(&r),
            )
        })
        .await
    {
        Ok(true) => {
            st.upload_metrics.failed("checksum_mismatch");
            let entry = Entry::system("worker", "version.checksum_mismatch")
                .target("version", v.id)
                .details(serde_json::json!({ "declared": declared, "actual": actual }));
            if let Err(e) = audit::record(&st.db, entry).await {
                tracing::warn!(version_id = %v.id, error = %e, "mismatch not written to the audit log");
            }
            publish(
                st,
                job,
                VersionStatus::ChecksumMismatch,
                Some(reason.clone()),
            )
            .await;
        }
        Ok(false) => {}
        Err(e) => return JobError::Retry(format!("database: {e}")),
    }
    if !locked && let Err(e) = st.storage.delete(Bucket::Masters, &v.master_key).await {
        tracing::warn!(version_id = %v.id, error = %e, "mismatched master copy not removed");
    }
    tracing::warn!(version_id = %v.id, %declared, %actual, "checksum mismatch; staging kept");
    JobError::Fatal(reason)
}

async fn remove_staging(st: &AppState, v: &Version) -> Result<(), JobError> {
    st.storage
        .delete(Bucket::Staging, &v.staging_key)
        .await
        .map_err(|e| JobError::Retry(format!("The staging copy could not be removed yet: {e}")))
}

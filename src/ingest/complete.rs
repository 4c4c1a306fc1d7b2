//! Completing an upload: check every part (or the single object) against storage, assemble,
//! check the size, then in one transaction create the asset (or a new version of one), the
//! version and its promotion job. Idempotent: a repeated call answers the same ids.

use super::plan::Plan;
use super::uploads::{ensure_uploading, find};
use crate::audit::{self, Entry};
use crate::db::DbError;
use crate::db::models::upload::{self as model, Upload};
use crate::db::models::{asset, job, version};
use crate::error::AppError;
use crate::queue::{self, jobs::promote::Promote};
use crate::state::AppState;
use crate::storage::{Bucket, CompletedPart, ObjectMeta};
use serde::Serialize;
use std::collections::BTreeSet;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Completed {
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub job_id: Uuid,
}

fn already(u: &Upload) -> Option<Completed> {
    Some(Completed {
        asset_id: u.asset_id?,
        version_id: u.version_id?,
        job_id: u.job_id?,
    })
}

/// `POST /api/uploads/{id}/complete`. `parts` is required for a multipart upload.
pub async fn complete(
    state: &AppState,
    owner: Option<Uuid>,
    id: Uuid,
    parts: Option<Vec<CompletedPart>>,
    title: Option<String>,
    audit: Entry,
) -> Result<Completed, AppError> {
    let u = find(state, owner, id).await?;
    if u.state == "completed" {
        return already(&u)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("completed upload without ids")));
    }
    ensure_uploading(&u)?;
    let Some(u) = state.db.run(move |c| model::begin_complete(c, id)).await? else {
        let now = find(state, owner, id).await?;
        if let Some(done) = already(&now) {
            return Ok(done);
        }
        ensure_uploading(&now)?;
        return Err(AppError::conflict(
            "upload-completing",
            "This upload is already being completed; retry in a few seconds.",
        ));
    };
    let result = async {
        let meta = assemble(state, &u, parts).await?;
        create_records(state, &u, &meta, title, audit).await
    }
    .await;
    match result {
        Ok(done) => {
            queue::deliver(state, &[done.job_id]).await;
            state.upload_metrics.completed.inc();
            tracing::info!(upload_id = %id, asset_id = %done.asset_id, version_id = %done.version_id, "upload completed");
            Ok(done)
        }
        Err(e) => {
            // Refused or interrupted: the upload stays as it was, ready for another try.
            if let Err(db) = state.db.run(move |c| model::end_complete(c, id)).await {
                tracing::warn!(upload_id = %id, error = %db, "completion lease not released; it lapses by itself");
            }
            Err(e)
        }
    }
}

fn norm_etag(e: &str) -> &str {
    e.trim().trim_matches('"')
}

/// Checks the client's part list against storage and completes the multipart upload, or
/// checks the single object; returns what storage holds at the staging key.
async fn assemble(
    state: &AppState,
    u: &Upload,
    parts: Option<Vec<CompletedPart>>,
) -> Result<ObjectMeta, AppError> {
    let declared = u.size_bytes.map(|s| s as u64);
    let (Some(sid), Some(ps), Some(pc)) = (&u.storage_upload_id, u.part_size, u.part_count) else {
        let meta = match state.storage.head(Bucket::Staging, &u.staging_key).await {
            Ok(m) => m,
            Err(e) if e.is_not_found() => {
                return Err(AppError::bad_request(
                    "not-uploaded",
                    "Storage has no file for this upload yet; PUT the file to the upload URL first.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        check_size(state, u, declared, meta.size)?;
        return Ok(meta);
    };
    let plan = Plan {
        part_size: ps as u64,
        part_count: pc as u32,
    };
    let size = declared.unwrap_or(0);
    let mut parts = parts.filter(|p| !p.is_empty()).ok_or_else(|| {
        AppError::bad_request(
            "missing-parts",
            "List every part as {part_number, etag} to complete a multipart upload.",
        )
    })?;
    let mut seen = BTreeSet::new();
    for p in &parts {
        if p.part_number == 0 || p.part_number > plan.part_count {
            return Err(AppError::bad_request(
                "invalid-parts",
                format!(
                    "Part {} does not exist: this upload has parts 1 to {}.",
                    p.part_number, plan.part_count
                ),
            ));
        }
        if !seen.insert(p.part_number) {
            return Err(AppError::bad_request(
                "duplicate-part",
                format!("Part {} is listed twice.", p.part_number),
            ));
        }
    }
    let missing: Vec<String> = (1..=plan.part_count)
        .filter(|n| !seen.contains(n))
        .take(10)
        .map(|n| n.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::bad_request(
            "missing-parts",
            format!(
                "Parts missing from the list: {}{}.",
                missing.join(", "),
                if missing.len() == 10 { ", ..." } else { "" }
            ),
        ));
    }
    parts.sort_by_key(|p| p.part_number);
    let stored = match state
        .storage
        .list_parts(Bucket::Staging, &u.staging_key, sid)
        .await
    {
        Ok(s) => s,
        // A previous `complete` assembled the object, then stopped before recording it.
        Err(e) if e.is_not_found() => return recover_assembled(state, u, declared).await,
        Err(e) => return Err(e.into()),
    };
    for p in &parts {
        let Some(have) = stored.iter().find(|s| s.part_number == p.part_number) else {
            return Err(AppError::bad_request(
                "missing-parts",
                format!(
                    "Part {} has not reached storage; upload it before completing.",
                    p.part_number
                ),
            ));
        };
        if norm_etag(&have.etag) != norm_etag(&p.etag) {
            return Err(AppError::bad_request(
                "etag-mismatch",
                format!(
                    "Part {}'s ETag does not match the part storage holds; upload that part again.",
                    p.part_number
                ),
            ));
        }
        let want = plan.part_len(size, p.part_number);
        if have.size != want {
            return Err(AppError::bad_request(
                "size-mismatch",
                format!(
                    "Part {} has {} bytes; it must have {want}. Upload that part again.",
                    p.part_number, have.size
                ),
            ));
        }
    }
    let meta = state
        .storage
        .complete_multipart(Bucket::Staging, &u.staging_key, sid, &parts)
        .await?;
    check_size(state, u, declared, meta.size)?;
    Ok(meta)
}

async fn recover_assembled(
    state: &AppState,
    u: &Upload,
    declared: Option<u64>,
) -> Result<ObjectMeta, AppError> {
    match state.storage.head(Bucket::Staging, &u.staging_key).await {
        Ok(meta) if Some(meta.size) == declared => Ok(meta),
        Ok(_) | Err(_) => {
            let id = u.id;
            let why = "Storage no longer holds this upload's parts.";
            state
                .db
                .run(move |c| model::finish(c, id, "failed", Some(why)))
                .await?;
            Err(AppError::conflict(
                "upload-gone",
                format!("{why} Start a new upload."),
            ))
        }
    }
}

fn check_size(
    state: &AppState,
    u: &Upload,
    declared: Option<u64>,
    stored: u64,
) -> Result<(), AppError> {
    if let Some(d) = declared
        && d != stored
    {
        state.upload_metrics.failed("size_mismatch");
        return Err(AppError::bad_request(
            "size-mismatch",
            format!(
                "Storage holds {stored} bytes for {}; the upload declared {d}. Upload the file again.",
                u.filename
            ),
        ));
    }
    if stored == 0 {
        return Err(AppError::bad_request(
            "empty-file",
            "The uploaded file is empty.",
        ));
    }
    if stored > state.config.ingest.max_upload_bytes {
        return Err(AppError::bad_request(
            "file-too-large",
            "The uploaded file is larger than the largest accepted.",
        ));
    }
    Ok(())
}

/// A title from the file name: the name as given, without its extension.
fn title_from(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).trim();
    let t: String = stem.chars().take(200).collect();
    if t.is_empty() { "Untitled".into() } else { t }
}

async fn create_records(
    state: &AppState,
    u: &Upload,
    meta: &ObjectMeta,
    title: Option<String>,
    audit: Entry,
) -> Result<Completed, AppError> {
    let asset_id = u.target_asset_id.unwrap_or_else(Uuid::now_v7);
    let version_id = Uuid::now_v7();
    let promote = Promote {
        asset_id,
        version_id,
    };
    let job = queue::new_job(state, &promote).map_err(|e| AppError::Internal(e.into()))?;
    let done = Completed {
        asset_id,
        version_id,
        job_id: job.id,
    };
    let title = title
        .or_else(|| u.title.clone())
        .unwrap_or_else(|| title_from(&u.original_filename));
    let (u, size) = (u.clone(), meta.size as i64);
    let master_key = format!("masters/{asset_id}/{version_id}/{}", u.filename);
    let entry = audit.target("upload", u.id).details(serde_json::json!({
        "asset_id": asset_id,
        "version_id": version_id,
        "size": size,
        "new_asset": u.target_asset_id.is_none(),
    }));
    let hook = crate::webhooks::Emit::new(
        "upload.completed",
        asset_id,
        Some(version_id),
        crate::webhooks::Actor::of_entry(&entry),
    )
    .with("upload", serde_json::json!({"id": u.id, "size": size}));
    let hooks = state.config.webhooks.max_attempts;
    let r = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let number = match u.target_asset_id {
                    Some(target) => {
                        asset::lock_live(c, target)?
                            .ok_or(diesel::result::Error::NotFound)?
                            .version_count
                            + 1
                    }
                    None => {
                        asset::insert(
                            c,
                            &asset::NewAsset {
                                id: asset_id,
                                owner_id: u.owner_id,
                                title,
                                media_type: u.media_type.clone(),
                                filename: u.filename.clone(),
                                size_bytes: size,
                                status: crate::status::VersionStatus::Promoting,
                                version_count: 0,
                            },
                        )?;
                        1
                    }
                };
                version::insert(
                    c,
                    &version::NewVersion {
                        id: version_id,
                        asset_id,
                        number,
                        upload_id: Some(u.id),
                        filename: u.filename.clone(),
                        content_type: u.content_type.clone(),
                        media_type: u.media_type.clone(),
                        size_bytes: size,
                        sha256_declared: u.sha256.clone(),
                        staging_key: u.staging_key.clone(),
                        master_key,
                        status: crate::status::VersionStatus::Promoting,
                    },
                )?;
                asset::set_current(
                    c,
                    asset_id,
                    version_id,
                    number,
                    (&u.filename, size, &u.media_type, "promoting"),
                )?;
                job::insert(c, &job)?;
                model::mark_completed(c, u.id, asset_id, version_id, done.job_id)?;
                audit::record_in(c, &entry)?;
                crate::webhooks::emit(c, hooks, &hook)
            })
        })
        .await;
    match r {
        Ok(deliveries) => {
            queue::deliver(state, &deliveries).await;
            Ok(done)
        }
        Err(DbError::NotFound) => Err(AppError::not_found(
            "The asset this upload adds a version to no longer exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

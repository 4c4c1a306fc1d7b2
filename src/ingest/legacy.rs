//! The original system's contract, so old scripts keep working: `POST /api/presign` (a PUT
//! into the staging bucket only, recorded as an upload so the sweeper sees it) and
//! `POST /api/promote` (completes that upload and queues promotion).

use super::complete::{self, Completed};
use super::media;
use super::uploads::{check_file, parse_sha256, parse_title};
use crate::audit::{self, Entry};
use crate::db::DbError;
use crate::db::models::upload as model;
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::{self, Bucket};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresignRequest {
    pub key: String,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    /// Seconds the URL works, 60 to 3600 (default 900).
    pub expires: Option<u64>,
    /// The old contract let callers pick a bucket; refused now.
    pub bucket: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PresignResponse {
    pub url: String,
    pub method: &'static str,
    pub bucket: String,
    pub key: String,
    pub expires_in: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub headers: serde_json::Value,
}

fn bucket_refused() -> AppError {
    AppError::bad_request(
        "bucket-not-allowed",
        "Buckets are chosen by mm: uploads go to staging, promotion to masters.",
    )
}

/// Checks a caller-chosen staging key: under `staging/`, no traversal, and a file name that
/// is already storage-safe. Returns the file name.
fn check_key(key: &str) -> Result<String, AppError> {
    let bad = |m: &str| AppError::bad_request("invalid-key", m.to_string());
    if !key.starts_with("staging/") {
        return Err(bad(
            "The key must start with staging/ (uploads go to the staging bucket only).",
        ));
    }
    storage::validate_key(key).map_err(|_| bad("The key is not a valid object key."))?;
    let name = key.rsplit('/').next().unwrap_or("");
    if media::sanitize_filename(name).as_deref() != Some(name) {
        return Err(bad(
            "The key's file name may only use letters, digits, . _ and -.",
        ));
    }
    Ok(name.to_string())
}

pub async fn presign(
    state: &AppState,
    owner: Option<Uuid>,
    req: PresignRequest,
    audit: Entry,
) -> Result<PresignResponse, AppError> {
    if req.bucket.is_some() {
        return Err(bucket_refused());
    }
    let filename = check_key(&req.key)?;
    let (_, media, content_type) = check_file(&filename, req.content_type.as_deref())?;
    if let Some(len) = req.content_length {
        let max = state.config.ingest.max_upload_bytes;
        if len == 0 || len > max {
            return Err(AppError::bad_request(
                "invalid-length",
                format!("contentLength must be between 1 and {max} bytes."),
            ));
        }
    }
    let expires = req.expires.unwrap_or(900);
    if !(60..=3600).contains(&expires) {
        return Err(AppError::bad_request(
            "invalid-expires",
            "expires must be between 60 and 3600 seconds.",
        ));
    }
    let key = req.key.clone();
    let existing = state
        .db
        .run(move |c| model::find_by_staging_key(c, &key))
        .await?;
    match existing {
        Some(u) if u.state == "uploading" && (owner.is_none() || u.owner_id == owner) => {
            let id = u.id;
            state.db.run(move |c| model::touch(c, id)).await?;
        }
        Some(_) => {
            return Err(AppError::conflict(
                "key-in-use",
                "This staging key belongs to another upload; choose a new key.",
            ));
        }
        None => {
            let new = model::NewUpload {
                id: Uuid::now_v7(),
                owner_id: owner,
                kind: "single".into(),
                filename: filename.clone(),
                original_filename: filename,
                content_type: content_type.clone(),
                media_type: media.as_str().into(),
                size_bytes: req.content_length.map(|l| l as i64),
                sha256: None,
                staging_key: req.key.clone(),
                storage_upload_id: None,
                part_size: None,
                part_count: None,
                target_asset_id: None,
                title: None,
            };
            let entry = audit.target("upload", new.id).details(
                serde_json::json!({ "staging_key": new.staging_key, "contract": "presign" }),
            );
            let saved = state
                .db
                .run(move |c| {
                    use diesel::Connection;
                    c.transaction(|c| {
                        model::insert(c, &new)?;
                        audit::record_in(c, &entry)
                    })
                })
                .await;
            match saved {
                Ok(()) => {}
                Err(DbError::Conflict(_)) => {
                    return Err(AppError::conflict(
                        "key-in-use",
                        "This staging key is being used by another upload.",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let url = state
        .storage
        .presign_put_sized(
            Bucket::Staging,
            &req.key,
            Some(&content_type),
            req.content_length,
            Duration::from_secs(expires),
        )
        .await?;
    let bucket = state.storage.bucket_name(Bucket::Staging);
    Ok(PresignResponse {
        url: url.url,
        method: url.method,
        bucket,
        key: req.key,
        expires_in: expires,
        expires_at: url.expires_at,
        headers: serde_json::json!({ "Content-Type": content_type }),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromoteRequest {
    pub staging_key: String,
    pub sha256: Option<String>,
    pub title: Option<String>,
    /// The old contract let callers pick the masters bucket; refused now.
    pub masters_bucket: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromoteResponse {
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub master_key: String,
    pub job_id: Uuid,
}

pub async fn promote(
    state: &AppState,
    owner: Option<Uuid>,
    req: PromoteRequest,
    audit: Entry,
) -> Result<PromoteResponse, AppError> {
    if req.masters_bucket.is_some() {
        return Err(bucket_refused());
    }
    let filename = check_key(&req.staging_key).map_err(|_| {
        AppError::bad_request(
            "invalid-key",
            "stagingKey must be a key under staging/ made by /api/presign.",
        )
    })?;
    let sha256 = parse_sha256(req.sha256.as_deref())?;
    let title = parse_title(req.title.as_deref())?;
    let key = req.staging_key.clone();
    let found = state
        .db
        .run(move |c| model::find_by_staging_key(c, &key))
        .await?;
    let upload = match found {
        Some(u) if owner.is_none() || u.owner_id == owner => u,
        _ => {
            return Err(AppError::not_found(
                "No upload was presigned with this staging key.",
            ));
        }
    };
    if let Some(sha) = sha256 {
        let id = upload.id;
        state
            .db
            .run(move |c| model::set_sha256(c, id, &sha))
            .await?;
    }
    let Completed {
        asset_id,
        version_id,
        job_id,
    } = complete::complete(state, owner, upload.id, None, title, audit).await?;
    Ok(PromoteResponse {
        asset_id,
        version_id,
        master_key: format!("masters/{asset_id}/{version_id}/{filename}"),
        job_id,
    })
}

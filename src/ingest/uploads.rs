//! Upload sessions: start one (a presigned PUT or a multipart plan), presign parts lazily,
//! report what storage already holds so a new tab can resume, and abort.

use super::media::{self, MediaType};
use super::plan::Plan;
use crate::audit::{self, Entry};
use crate::db::models::{asset, upload as model, upload::Upload};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::{Bucket, PartInfo, PresignedUrl};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Part URLs handed out per call: enough for any browser's parallelism, small enough that
/// URLs do not expire unused.
pub const MAX_PARTS_PER_CALL: usize = 100;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    pub filename: String,
    pub size: u64,
    pub content_type: Option<String>,
    pub sha256: Option<String>,
    /// Upload a new version of this asset instead of creating one.
    pub asset_id: Option<Uuid>,
    pub title: Option<String>,
}

/// What a client needs to send the bytes, and (from `GET`) how far it got.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    pub upload_id: Uuid,
    /// `single` (one PUT to `url`) or `multipart` (ask for part URLs).
    pub kind: String,
    /// uploading, completed, aborted, expired or failed.
    pub state: String,
    pub filename: String,
    pub content_type: String,
    pub media_type: String,
    pub size: Option<i64>,
    pub staging_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_count: Option<i32>,
    /// The presigned PUT of a single upload (on creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<PresignedUrl>,
    /// Headers the PUT must carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<serde_json::Value>,
    /// Parts storage already holds (on `GET` of a multipart upload).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<PartInfo>>,
    /// Bytes storage already holds (on `GET`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded_bytes: Option<u64>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the sweeper aborts the upload if nothing happens before.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl UploadView {
    pub fn of(u: &Upload, state: &AppState) -> Self {
        let ttl =
            time::Duration::try_from(state.config.ingest.upload_ttl).unwrap_or(time::Duration::DAY);
        Self {
            upload_id: u.id,
            kind: u.kind.clone(),
            state: if u.state == "expiring" {
                "expired".into()
            } else {
                u.state.clone()
            },
            filename: u.filename.clone(),
            content_type: u.content_type.clone(),
            media_type: u.media_type.clone(),
            size: u.size_bytes,
            staging_key: u.staging_key.clone(),
            part_size: u.part_size,
            part_count: u.part_count,
            url: None,
            headers: None,
            parts: None,
            uploaded_bytes: None,
            asset_id: u.asset_id,
            version_id: u.version_id,
            job_id: u.job_id,
            error: u.error.clone(),
            created_at: u.created_at,
            expires_at: u.last_activity_at + ttl,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartUrl {
    pub part_number: u32,
    /// The exact byte length this part must have.
    pub size: u64,
    #[serde(flatten)]
    pub url: PresignedUrl,
}

/// A lowercase hex SHA-256, or a 400 naming the field.
pub fn parse_sha256(raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let lower = raw.to_ascii_lowercase();
    if lower.len() != 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::bad_request(
            "invalid-sha256",
            "sha256 must be 64 hexadecimal characters.",
        ));
    }
    Ok(Some(lower))
}

/// A title as given, trimmed; 400 when blank or longer than 200 characters.
pub fn parse_title(raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(t) = raw.map(str::trim) else {
        return Ok(None);
    };
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-title",
            "A title must be 1 to 200 characters without control characters.",
        ));
    }
    Ok(Some(t.to_string()))
}

/// The storage-safe name, media type and content type of a file, or a 400 saying why not.
pub fn check_file(
    filename: &str,
    content_type: Option<&str>,
) -> Result<(String, MediaType, String), AppError> {
    let safe = media::sanitize_filename(filename).ok_or_else(|| {
        AppError::bad_request(
            "invalid-filename",
            "The file name has no usable characters; rename the file (letters, digits, . _ -).",
        )
    })?;
    let (media, ct) = media::classify(&safe, content_type)
        .map_err(|(code, msg)| AppError::bad_request(code, msg))?;
    Ok((safe, media, ct))
}

fn check_size(state: &AppState, size: u64) -> Result<(), AppError> {
    let max = state.config.ingest.max_upload_bytes;
    if size == 0 {
        return Err(AppError::bad_request("empty-file", "The file is empty."));
    }
    if size > max {
        return Err(AppError::bad_request(
            "file-too-large",
            format!("The file has {size} bytes; the largest accepted is {max} bytes."),
        ));
    }
    Ok(())
}

/// `POST /api/uploads`: validates, starts the storage side, records the session.
/// `audit` names the caller; the new upload is recorded with it.
pub async fn create(
    state: &AppState,
    owner: Option<Uuid>,
    req: NewUpload,
    audit: Entry,
) -> Result<UploadView, AppError> {
    let (filename, media, content_type) = check_file(&req.filename, req.content_type.as_deref())?;
    check_size(state, req.size)?;
    let sha256 = parse_sha256(req.sha256.as_deref())?;
    let title = parse_title(req.title.as_deref())?;
    if let Some(target) = req.asset_id {
        let found = state.db.run(move |c| asset::find_live(c, target)).await?;
        if found.is_none() {
            return Err(AppError::not_found("No asset with this id."));
        }
    }
    let id = Uuid::now_v7();
    let key = format!("staging/{id}/{filename}");
    let cfg = &state.config.ingest;
    let multipart = req.size >= cfg.multipart_threshold;
    let plan = multipart.then(|| Plan::for_size(req.size, cfg.part_size));
    let storage_upload_id = match multipart {
        true => Some(
            state
                .storage
                .create_multipart(Bucket::Staging, &key, Some(&content_type))
                .await?,
        ),
        false => None,
    };
    let new = model::NewUpload {
        id,
        owner_id: owner,
        kind: if multipart { "multipart" } else { "single" }.into(),
        filename,
        original_filename: media::display_name(&req.filename),
        content_type: content_type.clone(),
        media_type: media.as_str().into(),
        size_bytes: Some(req.size as i64),
        sha256,
        staging_key: key.clone(),
        storage_upload_id: storage_upload_id.clone(),
        part_size: plan.map(|p| p.part_size as i64),
        part_count: plan.map(|p| p.part_count as i32),
        target_asset_id: req.asset_id,
        title,
    };
    let entry = audit.target("upload", id).details(
        serde_json::json!({ "filename": new.filename, "size": req.size, "kind": new.kind }),
    );
    let saved = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let row = model::insert(c, &new)?;
                audit::record_in(c, &entry)?;
                Ok(row)
            })
        })
        .await;
    let row = match saved {
        Ok(row) => row,
        Err(e) => {
            // Nothing half-created: the storage side goes too.
            if let Some(sid) = &storage_upload_id {
                let _ = state
                    .storage
                    .abort_multipart(Bucket::Staging, &key, sid)
                    .await;
            }
            return Err(e.into());
        }
    };
    let mut view = UploadView::of(&row, state);
    if !multipart {
        view.url = Some(
            state
                .storage
                .presign_put_sized(
                    Bucket::Staging,
                    &key,
                    Some(&content_type),
                    Some(req.size),
                    cfg.url_ttl,
                )
                .await?,
        );
        view.headers = Some(serde_json::json!({ "Content-Type": content_type }));
    }
    Ok(view)
}

/// The caller's upload, or 404 (also for someone else's).
pub async fn find(state: &AppState, owner: Option<Uuid>, id: Uuid) -> Result<Upload, AppError> {
    state
        .db
        .run(move |c| model::find_for(c, id, owner))
        .await?
        .ok_or_else(|| AppError::not_found("No upload with this id."))
}

/// 409 unless the upload still takes bytes.
pub fn ensure_uploading(u: &Upload) -> Result<(), AppError> {
    let (code, message) = match u.state.as_str() {
        "uploading" => return Ok(()),
        "completed" => ("upload-completed", "This upload is already complete."),
        "aborted" => (
            "upload-aborted",
            "This upload was aborted; start a new one.",
        ),
        "expiring" | "expired" => (
            "upload-expired",
            "This upload expired after being idle; start a new one.",
        ),
        _ => ("upload-failed", "This upload failed; start a new one."),
    };
    Err(AppError::conflict(code, message))
}

/// `POST /api/uploads/{id}/parts`: fresh presigned URLs for the parts asked for (part 1 of a
/// single upload is its PUT URL). Calling again refreshes them.
pub async fn presign_parts(
    state: &AppState,
    owner: Option<Uuid>,
    id: Uuid,
    part_numbers: Vec<u32>,
) -> Result<Vec<PartUrl>, AppError> {
    let u = find(state, owner, id).await?;
    ensure_uploading(&u)?;
    let count = u.part_count.unwrap_or(1) as u32;
    if part_numbers.is_empty() || part_numbers.len() > MAX_PARTS_PER_CALL {
        return Err(AppError::bad_request(
            "invalid-parts",
            format!("Ask for 1 to {MAX_PARTS_PER_CALL} part numbers at a time."),
        ));
    }
    if let Some(bad) = part_numbers.iter().find(|n| **n == 0 || **n > count) {
        return Err(AppError::bad_request(
            "invalid-parts",
            format!("Part {bad} does not exist: this upload has parts 1 to {count}."),
        ));
    }
    let mut numbers = part_numbers;
    numbers.sort_unstable();
    numbers.dedup();
    state.db.run(move |c| model::touch(c, id)).await?;
    let ttl = state.config.ingest.url_ttl;
    let size = u.size_bytes.unwrap_or(0) as u64;
    let mut out = Vec::with_capacity(numbers.len());
    for n in numbers {
        let (url, len) = match (&u.storage_upload_id, u.part_size, u.part_count) {
            (Some(sid), Some(ps), Some(pc)) => {
                let plan = Plan {
                    part_size: ps as u64,
                    part_count: pc as u32,
                };
                let len = plan.part_len(size, n);
                let url = state
                    .storage
                    .presign_part_sized(Bucket::Staging, &u.staging_key, sid, n, Some(len), ttl)
                    .await?;
                (url, len)
            }
            _ => {
                let url = state
                    .storage
                    .presign_put_sized(
                        Bucket::Staging,
                        &u.staging_key,
                        Some(&u.content_type),
                        u.size_bytes.map(|s| s as u64),
                        ttl,
                    )
                    .await?;
                (url, size)
            }
        };
        out.push(PartUrl {
            part_number: n,
            size: len,
            url,
        });
    }
    Ok(out)
}

/// `GET /api/uploads/{id}`: the session and what storage already holds.
pub async fn status(
    state: &AppState,
    owner: Option<Uuid>,
    id: Uuid,
) -> Result<UploadView, AppError> {
    let u = find(state, owner, id).await?;
    let mut view = UploadView::of(&u, state);
    if u.state != "uploading" {
        return Ok(view);
    }
    match &u.storage_upload_id {
        Some(sid) => {
            let parts = state
                .storage
                .list_parts(Bucket::Staging, &u.staging_key, sid)
                .await?;
            view.uploaded_bytes = Some(parts.iter().map(|p| p.size).sum());
            view.parts = Some(parts);
        }
        None => {
            view.uploaded_bytes = Some(
                match state.storage.head(Bucket::Staging, &u.staging_key).await {
                    Ok(meta) => meta.size,
                    Err(e) if e.is_not_found() => 0,
                    Err(e) => return Err(e.into()),
                },
            );
        }
    }
    Ok(view)
}

/// Removes the storage side of an unfinished upload (parts or the staging object).
pub async fn discard_storage(state: &AppState, u: &Upload) -> Result<(), AppError> {
    if let Some(sid) = &u.storage_upload_id {
        match state
            .storage
            .abort_multipart(Bucket::Staging, &u.staging_key, sid)
            .await
        {
            Err(e) if !e.is_not_found() => return Err(e.into()),
            _ => {}
        }
    }
    state
        .storage
        .delete(Bucket::Staging, &u.staging_key)
        .await?;
    Ok(())
}

/// `DELETE /api/uploads/{id}`: aborts; aborting twice is fine, a completed upload is not.
/// The row changes first (so a concurrent `complete` cannot win afterwards), then storage.
pub async fn abort(
    state: &AppState,
    owner: Option<Uuid>,
    id: Uuid,
    audit: Entry,
) -> Result<(), AppError> {
    let u = find(state, owner, id).await?;
    if u.state != "aborted" {
        ensure_uploading(&u)?;
        let done = state
            .db
            .run(move |c| model::finish(c, id, "aborted", None))
            .await?;
        if done {
            state.upload_metrics.failed("aborted");
            audit::record(&state.db, audit.target("upload", id)).await?;
        } else {
            let now = find(state, owner, id).await?;
            match now.state.as_str() {
                "aborted" => {}
                "uploading" => {
                    return Err(AppError::conflict(
                        "upload-completing",
                        "This upload is being completed and can no longer be aborted.",
                    ));
                }
                _ => ensure_uploading(&now)?,
            }
        }
    }
    // Also on a repeated DELETE, in case storage failed the first time.
    discard_storage(state, &u).await
}

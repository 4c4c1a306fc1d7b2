//! The asset library: search and list, one asset with its versions and jobs, edits, soft
//! delete (previews and unprotected masters removed by a job), and reprocessing.

mod query;

pub use query::{ListItem, ListParams, Page, list, list_with_state};

use crate::audit::{self, Entry};
use crate::db::DbError;
use crate::db::models::asset::{self, Asset, AssetChanges};
use crate::db::models::{job, version, version::Version};
use crate::error::AppError;
use crate::ingest::uploads::parse_title;
use crate::queue::jobs::preview::PREVIEW_KIND;
use crate::queue::jobs::promote::Promote;
use crate::queue::jobs::remove_files::RemoveAssetFiles;
use crate::queue::{self, Job, JobView, Subject};
use crate::state::AppState;
use crate::status::{JobState, PublicState, VersionStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A version with the jobs about it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    pub version: Version,
    pub jobs: Vec<JobView>,
}

/// Where the current version's previews are.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PreviewState {
    pub job_id: Uuid,
    /// queued, running, ready, failed or cancelled.
    pub state: &'static str,
    /// The record's own state, and what people see of it (`crate::status`).
    pub record_state: JobState,
    pub public_state: PublicState,
    pub label: &'static str,
    pub progress: f32,
    pub eta_seconds: Option<i32>,
    pub error: Option<String>,
    /// The current version's preview plays: it is ready, or it plays while still being made
    /// (`status::VersionStatus::playable`); sign it with `POST /api/sign-preview`.
    pub playable: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssetDetail {
    #[serde(flatten)]
    pub asset: Asset,
    pub versions: Vec<VersionView>,
    /// The current version's preview job, once there is one.
    pub preview: Option<PreviewState>,
    /// What people see of the asset (its status with its preview job's), and the badge label.
    pub public_state: PublicState,
    pub label: &'static str,
}

async fn live(state: &AppState, id: Uuid) -> Result<Asset, AppError> {
    state
        .db
        .run(move |c| asset::find_live(c, id))
        .await?
        .ok_or_else(|| AppError::not_found("No asset with this id."))
}

/// The current version of a live asset: 404 without the asset, 409 `no-version` before its
/// first version exists.
pub async fn current_version(state: &AppState, id: Uuid) -> Result<Version, AppError> {
    let vid = live(state, id)
        .await?
        .current_version_id
        .ok_or_else(|| AppError::conflict("no-version", "This asset has no version yet."))?;
    state
        .db
        .run(move |c| version::find(c, vid))
        .await?
        .ok_or_else(|| AppError::not_found("No asset with this id."))
}

/// `GET /api/assets/{id}`.
pub async fn detail(state: &AppState, id: Uuid) -> Result<AssetDetail, AppError> {
    let asset = live(state, id).await?;
    let (versions, jobs) = state
        .db
        .run(move |c| Ok((version::for_asset(c, id)?, job::for_asset(c, id)?)))
        .await?;
    let playable = versions
        .iter()
        .find(|v| Some(v.id) == asset.current_version_id)
        .is_some_and(|v| v.status.playable(v.playable_at.is_some()));
    let preview = jobs
        .iter()
        .find(|j| j.kind == PREVIEW_KIND && j.version_id == asset.current_version_id)
        .map(|j| PreviewState {
            playable,
            job_id: j.id,
            state: j.public_state(),
            record_state: j.state,
            public_state: j.state.public(),
            label: j.state.public().label(),
            progress: j.progress,
            eta_seconds: j.eta_seconds,
            error: j.error.clone(),
        });
    let versions = versions
        .into_iter()
        .map(|v| VersionView {
            jobs: jobs
                .iter()
                .filter(|j| j.version_id == Some(v.id))
                .map(|j| JobView::new(j.clone(), None))
                .collect(),
            version: v,
        })
        .collect();
    let public_state = asset
        .status
        .public(preview.as_ref().map(|p| p.record_state));
    Ok(AssetDetail {
        asset,
        versions,
        preview,
        public_state,
        label: public_state.label(),
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
}

fn check_patch(p: AssetPatch) -> Result<AssetChanges, AppError> {
    let title = parse_title(p.title.as_deref())?;
    let description = match p.description {
        Some(d) if d.chars().count() > 5000 => {
            return Err(AppError::bad_request(
                "invalid-description",
                "A description may have at most 5000 characters.",
            ));
        }
        Some(d)
            if d.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            return Err(AppError::bad_request(
                "invalid-description",
                "A description may not contain control characters.",
            ));
        }
        d => d.map(|d| d.trim().to_string()),
    };
    let tags = match p.tags {
        None => None,
        Some(list) => {
            let mut out: Vec<String> = Vec::new();
            for t in list {
                let t = t
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase();
                if t.is_empty() || t.chars().count() > 50 || t.chars().any(char::is_control) {
                    return Err(AppError::bad_request(
                        "invalid-tags",
                        "Each tag must be 1 to 50 characters.",
                    ));
                }
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            if out.len() > 50 {
                return Err(AppError::bad_request(
                    "invalid-tags",
                    "An asset may have at most 50 tags.",
                ));
            }
            Some(out)
        }
    };
    if title.is_none() && description.is_none() && tags.is_none() {
        return Err(AppError::bad_request(
            "nothing-to-change",
            "Send a title, description or tags to change.",
        ));
    }
    Ok(AssetChanges {
        title,
        description,
        tags,
    })
}

/// `PATCH /api/assets/{id}`: title, description, tags.
pub async fn update(
    state: &AppState,
    id: Uuid,
    patch: AssetPatch,
    audit: Entry,
) -> Result<Asset, AppError> {
    let changes = check_patch(patch)?;
    let fields: Vec<&str> = [
        changes.title.as_ref().map(|_| "title"),
        changes.description.as_ref().map(|_| "description"),
        changes.tags.as_ref().map(|_| "tags"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let entry = audit
        .target("asset", id)
        .details(serde_json::json!({ "fields": fields }));
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let updated = asset::update_fields(c, id, &changes)?;
                if updated.is_some() {
                    audit::record_in(c, &entry)?;
                }
                Ok(updated)
            })
        })
        .await?
        .ok_or_else(|| AppError::not_found("No asset with this id."))
}

/// `DELETE /api/assets/{id}`: hides the asset and queues the removal of its files.
pub async fn delete(state: &AppState, id: Uuid, audit: Entry) -> Result<Uuid, AppError> {
    let cleanup = queue::new_job(state, &RemoveAssetFiles { asset_id: id })
        .map_err(|e| AppError::Internal(e.into()))?;
    let job_id = cleanup.id;
    let entry = audit.target("asset", id);
    let actor = crate::webhooks::Actor::of_entry(&entry);
    let hooks = state.config.webhooks.max_attempts;
    let deleted = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let Some(gone) = asset::soft_delete(c, id)? else {
                    return Ok(None);
                };
                job::insert(c, &cleanup)?;
                audit::record_in(c, &entry)?;
                let hook =
                    crate::webhooks::Emit::new("asset.deleted", id, gone.current_version_id, actor);
                crate::webhooks::emit(c, hooks, &hook).map(Some)
            })
        })
        .await?;
    let Some(mut jobs) = deleted else {
        return Err(AppError::not_found("No asset with this id."));
    };
    jobs.push(job_id);
    queue::deliver(state, &jobs).await;
    Ok(job_id)
}

/// `POST /api/assets/{id}/reprocess`: previews again for a stored master, or promotion again
/// for a master whose promotion failed. A job already waiting or running is returned as is.
pub async fn reprocess(state: &AppState, id: Uuid, audit: Entry) -> Result<Uuid, AppError> {
    let asset = live(state, id).await?;
    let version_id = asset
        .current_version_id
        .ok_or_else(|| AppError::conflict("no-version", "This asset has no version to process."))?;
    let v = state
        .db
        .run(move |c| version::find(c, version_id))
        .await?
        .ok_or_else(|| AppError::not_found("No asset with this id."))?;
    let subject = Subject {
        asset_id: Some(id),
        version_id: Some(version_id),
    };
    let (kind, new, from): (&str, _, &[VersionStatus]) = match (v.status.as_str(), v.stored_at) {
        ("promoting", _) => {
            return Err(AppError::conflict(
                "still-promoting",
                "The master is still being stored; wait for it to finish.",
            ));
        }
        ("checksum_mismatch", _) => {
            return Err(AppError::conflict(
                "checksum-mismatch",
                "The upload's checksum did not match; upload the file again instead.",
            ));
        }
        ("failed", None) => {
            let job = queue::new_job(
                state,
                &Promote {
                    asset_id: id,
                    version_id,
                },
            )
            .map_err(|e| AppError::Internal(e.into()))?;
            (<Promote as Job>::KIND, job, &[VersionStatus::Failed])
        }
        _ => {
            let payload = serde_json::json!({ "asset_id": id, "version_id": version_id });
            let job = queue::new_job_of_kind(state, PREVIEW_KIND, payload, subject);
            (
                PREVIEW_KIND,
                job,
                &[
                    VersionStatus::Stored,
                    VersionStatus::Processing,
                    VersionStatus::Ready,
                    VersionStatus::Failed,
                ],
            )
        }
    };
    let next_status = if kind == PREVIEW_KIND {
        VersionStatus::Stored
    } else {
        VersionStatus::Promoting
    };
    let kind_owned = kind.to_string();
    let new_id = new.id;
    let entry = audit.target("asset", id).details(
        serde_json::json!({ "version_id": version_id, "job_kind": kind, "job_id": new_id }),
    );
    let job_id = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let waiting = job::for_asset(c, id)?.into_iter().find(|j| {
                    j.kind == kind_owned && j.version_id == Some(version_id) && j.state.is_open()
                });
                if let Some(j) = waiting {
                    return Ok(j.id);
                }
                version::set_status(c, version_id, from, next_status, None)?;
                job::insert(c, &new)?;
                audit::record_in(c, &entry)?;
                Ok(new_id)
            })
        })
        .await
        .map_err(|e: DbError| AppError::from(e))?;
    if job_id == new_id {
        queue::deliver(state, &[job_id]).await;
    }
    Ok(job_id)
}

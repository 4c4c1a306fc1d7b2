//! `/assets/{id}`: the player, the asset's status, details, versions and technical metadata;
//! `/assets/{id}/download`: the original master through a short-lived presigned GET.

use super::errors::{PageError, PageResult};
use super::format;
use super::layout::Layout;
use super::player::{PlayerView, ReviewPanel};
use super::technical;
use crate::assets::{self, AssetDetail};
use crate::audit::{self, Entry};
use crate::auth::{PageAuth, Permission, perm};
use crate::error::AppError;
use crate::state::AppState;
use crate::status::PublicState;
use crate::storage::Bucket;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::time::Duration;
use uuid::Uuid;

/// How long a download link works: enough to start the transfer, too short to pass around.
const DOWNLOAD_TTL: Duration = Duration::from_secs(300);

pub struct AssetView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub media: String,
    /// What people see of the version shown.
    pub status: PublicState,
    pub percent: Option<u8>,
    pub error: Option<String>,
}

impl AssetView {
    pub fn status_label(&self) -> String {
        format::badge(self.status, self.percent)
    }
    pub fn tags_text(&self) -> String {
        self.tags.join(", ")
    }
}

pub struct VersionRow {
    pub id: String,
    pub number: i32,
    pub filename: String,
    pub created: String,
    pub status: PublicState,
    pub current: bool,
    pub selected: bool,
}

impl VersionRow {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

pub struct Shown {
    pub id: String,
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    layout: Layout,
    asset: AssetView,
    version: Shown,
    versions: Vec<VersionRow>,
    technical: Vec<(String, String)>,
    /// Audio mappings to choose from: (value, label, selected).
    audio_choices: Vec<(String, String, bool)>,
    playable: bool,
    /// "Still processing (41%)" under a player whose preview is still being made.
    still_processing: Option<String>,
    /// The review panels show for a playable version and for a ready image (comments at no
    /// time, drawn over the still).
    reviewable: bool,
    /// The player (or the still of an image) and what the comment panel offers.
    player: PlayerView,
    panel: ReviewPanel,
    is_current: bool,
    player_json: String,
    /// The version the compare link puts beside the one shown (the previous, else the next).
    compare_other: String,
    can_write: bool,
    can_delete: bool,
    can_download: bool,
    can_upload: bool,
    /// Share links for guests (`shares:manage`): the panel shows.
    can_share: bool,
}

#[derive(Deserialize)]
pub struct Which {
    version: Option<String>,
}

fn parse_id(raw: &str) -> Result<Uuid, PageError> {
    Uuid::parse_str(raw).map_err(|_| AppError::not_found("No asset with this id.").into())
}

/// The version asked for (`?version=`), else the current one.
fn pick_version(detail: &AssetDetail, asked: Option<&str>) -> Result<usize, PageError> {
    let wanted = match asked.filter(|v| !v.is_empty()) {
        Some(v) => Some(Uuid::parse_str(v).map_err(|_| AppError::not_found("No such version."))?),
        None => detail.asset.current_version_id,
    };
    let found = match wanted {
        Some(w) => detail.versions.iter().position(|v| v.version.id == w),
        None => (!detail.versions.is_empty()).then_some(0),
    };
    found.ok_or_else(|| AppError::not_found("No such version of this asset.").into())
}

pub async fn page(
    req: HttpRequest,
    caller: PageAuth<perm::AssetsRead>,
    st: web::Data<AppState>,
    id: web::Path<String>,
    which: web::Query<Which>,
) -> PageResult {
    let id = parse_id(&id)?;
    let detail = assets::detail(&st, id).await?;
    let index = pick_version(&detail, which.version.as_deref())?;
    let shown = &detail.versions[index].version;
    let is_current = Some(shown.id) == detail.asset.current_version_id;
    // The preview job of the version shown: the asset's for the current one, else its own.
    let job = detail.versions[index]
        .jobs
        .iter()
        .find(|j| j.kind == crate::queue::jobs::preview::PREVIEW_KIND);
    let (job_state, progress, job_error) = match (&detail.preview, job) {
        (Some(p), _) if is_current => (Some(p.record_state), Some(p.progress), p.error.clone()),
        (_, Some(j)) => (Some(j.record_state), Some(j.progress), j.error.clone()),
        _ => (None, None, None),
    };
    let status = shown.status.public(job_state);
    let error = match status {
        PublicState::Failed => shown
            .error
            .clone()
            .or(job_error)
            .or_else(|| Some("Processing failed; the reason was not recorded.".to_string())),
        _ => None,
    };
    let tech = shown.technical.clone().unwrap_or(serde_json::Value::Null);
    let playable = shown.status.playable(shown.playable_at.is_some())
        && matches!(shown.media_type.as_str(), "video" | "audio");
    // Playing while the ladder is still made: the page says so, with the percent.
    let still_processing = (playable && status == "processing")
        .then(|| crate::status::still_processing_label(progress.unwrap_or(0.0)));
    let prefix = crate::storage::PreviewKey::new(detail.asset.id, shown.id).dir();
    let player = serde_json::json!({
        "asset_id": detail.asset.id,
        "version_id": shown.id,
        "preview_prefix": prefix,
        "media": shown.media_type,
        "duration": tech.get("duration"),
        "still_processing": still_processing.is_some(),
        "hls_worker": layout_asset(&req, "vendor/hls.worker.js"),
    });
    let layout = Layout::new(&req, Some(&caller)).in_section("library");
    let compare_other = detail
        .versions
        .get(index + 1)
        .or_else(|| index.checked_sub(1).and_then(|i| detail.versions.get(i)))
        .map(|v| v.version.id.to_string())
        .unwrap_or_default();
    let poster_url = (shown.status == "ready" && shown.media_type != "audio")
        .then(|| {
            let rerender = detail.versions[index]
                .jobs
                .iter()
                .find(|j| j.kind == super::library::POSTER_KIND && j.state == "ready")
                .map(|j| j.id);
            super::posters::Posters::new(&st).url(detail.asset.id, shown.id, rerender)
        })
        .flatten();
    let reviewable = playable || (shown.media_type == "image" && poster_url.is_some());
    let mut player_view = PlayerView::of(shown, &detail.asset.title);
    if shown.media_type == "image" {
        player_view.still = poster_url;
    } else {
        player_view.poster = poster_url;
    }
    let page = AssetPage {
        player_json: format::script_json(&player),
        player: player_view,
        panel: ReviewPanel {
            composer: true,
            mentions: true,
        },
        compare_other,
        asset: AssetView {
            id: detail.asset.id.to_string(),
            title: detail.asset.title.clone(),
            description: detail.asset.description.clone(),
            tags: detail.asset.tags.clone(),
            media: shown.media_type.clone(),
            status,
            percent: progress
                .filter(|_| status == "processing")
                .map(|p| p.clamp(0.0, 100.0) as u8),
            error,
        },
        version: Shown {
            id: shown.id.to_string(),
        },
        versions: detail
            .versions
            .iter()
            .map(|v| VersionRow {
                id: v.version.id.to_string(),
                number: v.version.number,
                filename: v.version.filename.clone(),
                created: format::datetime(v.version.created_at),
                status: v.version.status.public(None),
                current: Some(v.version.id) == detail.asset.current_version_id,
                selected: v.version.id == shown.id,
            })
            .collect(),
        technical: technical::rows(shown, &tech),
        audio_choices: technical::audio_choices(&tech, shown.audio_mapping.as_deref()),
        playable,
        still_processing,
        reviewable,
        is_current,
        can_write: caller.can(Permission::AssetsWrite),
        can_delete: caller.can(Permission::AssetsDelete),
        can_download: caller.can(Permission::AssetsDownload) && shown.stored_at.is_some(),
        can_upload: caller.can(Permission::UploadsCreate),
        can_share: caller.can(Permission::SharesManage),
        layout,
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

fn layout_asset(req: &HttpRequest, name: &str) -> Option<String> {
    req.app_data::<web::Data<crate::web::assets::StaticAssets>>()
        .filter(|a| a.contains(name))
        .map(|a| a.url(name))
}

/// `GET /assets/{id}/download?version=`: a 303 to a presigned GET of the master, named after
/// the uploaded file; recorded in the audit log.
pub async fn download(
    caller: PageAuth<perm::AssetsDownload>,
    st: web::Data<AppState>,
    id: web::Path<String>,
    which: web::Query<Which>,
) -> PageResult {
    let id = parse_id(&id)?;
    let detail = assets::detail(&st, id).await?;
    let index = pick_version(&detail, which.version.as_deref())?;
    let v = &detail.versions[index].version;
    if v.stored_at.is_none() {
        return Err(AppError::conflict(
            "not-stored-yet",
            "This version's master is still being stored; try again in a moment.",
        )
        .into());
    }
    let url = st
        .storage
        .presign_get(
            Bucket::Masters,
            &v.master_key,
            Some(&v.filename),
            DOWNLOAD_TTL,
        )
        .await?;
    let entry = Entry::by(&caller, "asset.download")
        .target("asset", id)
        .details(serde_json::json!({ "version_id": v.id }));
    audit::record(&st.db, entry).await.map_err(AppError::from)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

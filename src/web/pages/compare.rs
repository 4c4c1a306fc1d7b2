//! `/assets/{id}/compare?a=&b=`: two versions of an asset on one clock, side by side or as a
//! wipe, each with its comments. A missing, unknown or unplayable version is a readable error
//! page, not a broken player.

use super::clock;
use super::errors::{PageError, PageResult};
use super::format;
use super::layout::Layout;
use crate::assets::{self, AssetDetail};
use crate::auth::{PageAuth, perm};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::PreviewKey;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

pub struct Side {
    pub key: &'static str,
    pub id: String,
    pub number: i32,
    pub frame_rate: String,
    pub start_timecode: String,
    pub player_json: String,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    layout: Layout,
    asset_id: String,
    title: String,
    a_number: i32,
    b_number: i32,
    sides: Vec<Side>,
}

#[derive(Deserialize)]
pub struct Pair {
    a: Option<String>,
    b: Option<String>,
}

/// One side: the version named by `raw`, which must be this asset's and have a ready video.
fn side(detail: &AssetDetail, raw: Option<&str>, which: &'static str) -> Result<Side, PageError> {
    let raw = raw
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            AppError::bad_request(
                "missing-version",
                format!(
                    "Name two versions to compare: ?a=<version>&b=<version> ({which} is missing)."
                ),
            )
        })?;
    let id = Uuid::parse_str(raw).map_err(|_| {
        AppError::bad_request(
            "invalid-version",
            format!("Version {which} is not a version id."),
        )
    })?;
    let v = detail
        .versions
        .iter()
        .map(|v| &v.version)
        .find(|v| v.id == id)
        .ok_or_else(|| {
            AppError::not_found(format!("Version {which} is not a version of this asset."))
        })?;
    if v.status != "ready" || v.media_type != "video" {
        return Err(AppError::conflict(
            "version-not-playable",
            format!(
                "Version {which} (v{}) has no playable video preview yet.",
                v.number
            ),
        )
        .into());
    }
    let tech = v.technical.clone().unwrap_or(serde_json::Value::Null);
    let player = serde_json::json!({
        "asset_id": detail.asset.id,
        "version_id": v.id,
        "preview_prefix": PreviewKey::new(detail.asset.id, v.id).dir(),
        "media": v.media_type,
        "duration": tech.get("duration"),
    });
    Ok(Side {
        key: which,
        id: v.id.to_string(),
        number: v.number,
        frame_rate: clock::frame_rate(v),
        start_timecode: clock::start_timecode(v),
        player_json: format::script_json(&player),
    })
}

pub async fn page(
    req: HttpRequest,
    caller: PageAuth<perm::AssetsRead>,
    st: web::Data<AppState>,
    id: web::Path<String>,
    pair: web::Query<Pair>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found("No asset with this id."))?;
    let detail = assets::detail(&st, id).await?;
    let a = side(&detail, pair.a.as_deref(), "a")?;
    let b = side(&detail, pair.b.as_deref(), "b")?;
    let layout = Layout::new(&req, Some(&caller)).in_section("library");
    let page = ComparePage {
        layout,
        asset_id: detail.asset.id.to_string(),
        title: detail.asset.title.clone(),
        a_number: a.number,
        b_number: b.number,
        sides: vec![a, b],
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

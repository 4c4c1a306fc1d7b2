//! `/upload`: the drop zone and per-file progress; the work happens in static/js/upload.js.

use super::errors::PageResult;
use super::layout::Layout;
use crate::auth::{PageAuth, perm};
use crate::db::models::asset;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

/// The asset a new version is for (`/upload?asset=<id>`).
pub struct AssetRef {
    pub id: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    layout: Layout,
    parallel: u32,
    accept: &'static str,
    for_asset: Option<AssetRef>,
}

/// What the picker offers; the server's allowlist is the authority and names any refusal.
const ACCEPT: &str = "video/*,audio/*,image/*,.mov,.mxf,.mp4,.m4v,.mkv,.avi,.r3d,.braw,.wav,.aif,.aiff,.mp3,.m4a,.flac,.png,.jpg,.jpeg,.tif,.tiff,.exr,.dpx";

#[derive(Deserialize)]
pub struct ForAsset {
    asset: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    caller: PageAuth<perm::UploadsCreate>,
    state: web::Data<AppState>,
    q: web::Query<ForAsset>,
) -> PageResult {
    let for_asset = match q.asset.as_deref().filter(|a| !a.is_empty()) {
        None => None,
        Some(raw) => {
            let missing = || AppError::not_found("No asset with this id.");
            let id = uuid::Uuid::parse_str(raw).map_err(|_| missing())?;
            let found = state.db.run(move |c| asset::find_live(c, id)).await?;
            let a = found.ok_or_else(missing)?;
            Some(AssetRef {
                id: a.id.to_string(),
                title: a.title,
            })
        }
    };
    let page = UploadPage {
        layout: Layout::new(&req, Some(&caller)).in_section("upload"),
        parallel: state.config.web.upload_parallel_parts,
        accept: ACCEPT,
        for_asset,
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

//! `/upload`: the drop zone and per-file progress; the work happens in static/js/upload.js.

use super::layout::Layout;
use crate::auth::{PageAuth, perm};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

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

pub async fn page(
    req: HttpRequest,
    caller: PageAuth<perm::UploadsCreate>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let page = UploadPage {
        layout: Layout::new(&req, Some(&caller)).in_section("upload"),
        parallel: state.config.web.upload_parallel_parts,
        accept: ACCEPT,
        for_asset: None,
    };
    page.layout.respond(&page, StatusCode::OK)
}

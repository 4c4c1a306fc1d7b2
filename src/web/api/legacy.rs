//! The original system's `POST /api/presign` and `POST /api/promote`, kept for old scripts,
//! now behind sign-in like every other route.

use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::ingest::legacy::{self, PresignRequest, PromoteRequest};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/presign", web::post().to(presign))
        .route("/promote", web::post().to(promote));
}

/// `POST /api/presign {key, contentType?, contentLength?, expires?}` -> 200 `{url, ...}`.
#[tracing::instrument(skip_all)]
async fn presign(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    body: web::Json<PresignRequest>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "upload.create");
    let r = legacy::presign(&st, Some(auth.user.id), body.into_inner(), entry).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(r))
}

/// `POST /api/promote {stagingKey, sha256?, title?}` -> 202 `{assetId, masterKey, jobId}`.
#[tracing::instrument(skip_all)]
async fn promote(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    body: web::Json<PromoteRequest>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "upload.complete");
    let r = legacy::promote(&st, Some(auth.user.id), body.into_inner(), entry).await?;
    Ok(HttpResponse::Accepted().json(r))
}

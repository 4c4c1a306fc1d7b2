//! The original system's `POST /api/presign` and `POST /api/promote`, kept for old scripts,
//! now behind sign-in like every other route.

use super::openapi::{BadBody, Clash, Denied, Missing};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::ingest::legacy::{self, PresignRequest, PromoteRequest};
use crate::ingest::legacy::{PresignResponse, PromoteResponse};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(presign).service(promote);
}

/// `POST /api/presign {key, contentType?, contentLength?, expires?}` -> 200 `{url, ...}`.
#[utoipa::path(
    operation_id = "legacy_presign",
    tag = "legacy",
    responses((status = 200, description = "A presigned PUT for the staging key.", body = PresignResponse), BadBody, Denied, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[post("/presign")]
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
#[utoipa::path(
    operation_id = "legacy_promote",
    tag = "legacy",
    responses((status = 202, description = "Promotion queued.", body = PromoteResponse), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[post("/promote")]
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

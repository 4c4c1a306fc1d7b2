//! The original system's `POST /api/presign` and `POST /api/promote`, kept for old scripts.

use crate::ingest::legacy::{self, PresignRequest, PromoteRequest};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

/// The caller's user id, which scopes uploads to their owner (none until sign-in exists).
fn owner() -> Option<Uuid> {
    None
}

pub async fn presign(
    state: web::Data<AppState>,
    body: web::Json<PresignRequest>,
) -> ApiResult<HttpResponse> {
    let r = legacy::presign(&state, owner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(r))
}

pub async fn promote(
    state: web::Data<AppState>,
    body: web::Json<PromoteRequest>,
) -> ApiResult<HttpResponse> {
    let r = legacy::promote(&state, owner(), body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(r))
}

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/presign", web::post().to(presign))
        .route("/promote", web::post().to(promote))
}

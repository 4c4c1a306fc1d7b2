//! `/api/uploads`: start an upload, presign its parts, see what storage holds, abort, and
//! complete it into an asset version (202 with the promotion job).

use crate::ingest::{complete, uploads};
use crate::state::AppState;
use crate::storage::CompletedPart;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

/// The caller's user id, which scopes uploads to their owner (none until sign-in exists).
fn owner() -> Option<Uuid> {
    None
}

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header(("cache-control", "no-store"));
    b
}

pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<uploads::NewUpload>,
) -> ApiResult<HttpResponse> {
    let view = uploads::create(&state, owner(), body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(view))
}

pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let view = uploads::status(&state, owner(), id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartsRequest {
    part_numbers: Vec<u32>,
}

pub async fn parts(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<PartsRequest>,
) -> ApiResult<HttpResponse> {
    let parts = uploads::presign_parts(
        &state,
        owner(),
        id.into_inner(),
        body.into_inner().part_numbers,
    )
    .await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "parts": parts })))
}

pub async fn abort(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    uploads::abort(&state, owner(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    parts: Option<Vec<CompletedPart>>,
    title: Option<String>,
}

pub async fn complete(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Option<web::Json<CompleteRequest>>,
) -> ApiResult<HttpResponse> {
    let (parts, title) = match body.map(|b| b.into_inner()) {
        Some(b) => (b.parts, uploads::parse_title(b.title.as_deref())?),
        None => (None, None),
    };
    let done = complete::complete(&state, owner(), id.into_inner(), parts, title).await?;
    Ok(no_store(HttpResponse::Accepted()).json(done))
}

/// Body limit of `complete`: 10,000 parts with their ETags.
pub const COMPLETE_BODY_LIMIT: usize = 2 << 20;

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/uploads", web::post().to(create))
        .route("/uploads/{id}", web::get().to(get))
        .route("/uploads/{id}", web::delete().to(abort))
        .route("/uploads/{id}/parts", web::post().to(parts))
        .service(
            web::resource("/uploads/{id}/complete")
                .app_data(crate::error::json_config(COMPLETE_BODY_LIMIT))
                .route(web::post().to(complete)),
        )
}

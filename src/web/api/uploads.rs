//! `/api/uploads`: start an upload, presign its parts, see what storage holds, abort, and
//! complete it into an asset version (202 with the promotion job). A caller sees only their
//! own uploads: anyone else's is a 404.

use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::ingest::{complete, uploads};
use crate::state::AppState;
use crate::storage::CompletedPart;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

/// Body limit of `complete`: 10,000 parts with their ETags.
pub const COMPLETE_BODY_LIMIT: usize = 2 << 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/uploads", web::post().to(create))
        .route("/uploads/{id}", web::get().to(get))
        .route("/uploads/{id}", web::delete().to(abort))
        .route("/uploads/{id}/parts", web::post().to(parts))
        .service(
            web::resource("/uploads/{id}/complete")
                .app_data(crate::error::json_config(COMPLETE_BODY_LIMIT))
                .route(web::post().to(complete)),
        );
}

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header(("cache-control", "no-store"));
    b
}

/// `POST /api/uploads {filename, size, content_type?, sha256?, asset_id?, title?}` -> 201.
#[tracing::instrument(skip_all)]
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    body: web::Json<uploads::NewUpload>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "upload.create");
    let view = uploads::create(&st, Some(auth.user.id), body.into_inner(), entry).await?;
    Ok(no_store(HttpResponse::Created()).json(view))
}

/// `GET /api/uploads/{id}`: state and the parts storage holds.
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn get(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let view = uploads::status(&st, Some(auth.user.id), id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartsRequest {
    part_numbers: Vec<u32>,
}

/// `POST /api/uploads/{id}/parts {part_numbers}`: fresh presigned URLs.
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn parts(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
    body: web::Json<PartsRequest>,
) -> ApiResult<HttpResponse> {
    let numbers = body.into_inner().part_numbers;
    let parts = uploads::presign_parts(&st, Some(auth.user.id), id.into_inner(), numbers).await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "parts": parts })))
}

/// `DELETE /api/uploads/{id}`: abort.
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn abort(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "upload.abort");
    uploads::abort(&st, Some(auth.user.id), id.into_inner(), entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteRequest {
    parts: Option<Vec<CompletedPart>>,
    title: Option<String>,
}

/// `POST /api/uploads/{id}/complete {parts?, title?}` -> 202 `{asset_id, version_id, job_id}`.
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn complete(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
    body: Option<web::Json<CompleteRequest>>,
) -> ApiResult<HttpResponse> {
    let (parts, title) = match body.map(|b| b.into_inner()) {
        Some(b) => (b.parts, uploads::parse_title(b.title.as_deref())?),
        None => (None, None),
    };
    let entry = Entry::by(&auth, "upload.complete");
    let owner = Some(auth.user.id);
    let done = complete::complete(&st, owner, id.into_inner(), parts, title, entry).await?;
    Ok(no_store(HttpResponse::Accepted()).json(done))
}

//! `/api/uploads`: start an upload, presign its parts, see what storage holds, abort, and
//! complete it into an asset version (202 with the promotion job). A caller sees only their
//! own uploads: anyone else's is a 404.

use super::openapi::{BadBody, BadInput, Clash, Denied, Missing};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::ingest::complete::Completed;
use crate::ingest::uploads::{PartUrl, UploadView};
use crate::ingest::{complete, uploads};
use crate::state::AppState;
use crate::storage::CompletedPart;
use crate::web::ApiResult;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Body limit of `complete`: 10,000 parts with their ETags.
pub const COMPLETE_BODY_LIMIT: usize = 2 << 20;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(status)
        .service(abort)
        .service(presign_parts)
        .service(
            utoipa_actix_web::scope("/uploads/{id}/complete")
                .app_data(crate::error::json_config(COMPLETE_BODY_LIMIT))
                .service(complete_upload),
        );
}

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header(("cache-control", "no-store"));
    b
}

/// `POST /api/uploads {filename, size, content_type?, sha256?, asset_id?, title?}` -> 201.
#[utoipa::path(
    operation_id = "uploads_create",
    tag = "uploads",
    responses((status = 201, description = "The upload, with how to send its bytes.", body = UploadView), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[post("/uploads")]
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
#[utoipa::path(
    operation_id = "uploads_get",
    tag = "uploads",
    responses((status = 200, description = "The upload and what storage holds of it.", body = UploadView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["uploads:create"])),
)]
#[get("/uploads/{id}")]
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn status(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let view = uploads::status(&st, Some(auth.user.id), id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PartsRequest {
    part_numbers: Vec<u32>,
}

#[derive(Serialize, ToSchema)]
struct Parts {
    parts: Vec<PartUrl>,
}

/// `POST /api/uploads/{id}/parts {part_numbers}`: fresh presigned URLs.
#[utoipa::path(
    operation_id = "uploads_parts",
    tag = "uploads",
    responses((status = 200, description = "A presigned PUT per part.", body = Parts), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[post("/uploads/{id}/parts")]
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn presign_parts(
    st: web::Data<AppState>,
    auth: Auth<perm::UploadsCreate>,
    id: web::Path<Uuid>,
    body: web::Json<PartsRequest>,
) -> ApiResult<HttpResponse> {
    let numbers = body.into_inner().part_numbers;
    let parts = uploads::presign_parts(&st, Some(auth.user.id), id.into_inner(), numbers).await?;
    Ok(no_store(HttpResponse::Ok()).json(Parts { parts }))
}

/// `DELETE /api/uploads/{id}`: abort.
#[utoipa::path(
    operation_id = "uploads_abort",
    tag = "uploads",
    responses((status = 204, description = "Aborted."), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[delete("/uploads/{id}")]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CompleteRequest {
    parts: Option<Vec<CompletedPart>>,
    title: Option<String>,
}

/// `POST /api/uploads/{id}/complete {parts?, title?}` -> 202 `{asset_id, version_id, job_id}`.
#[utoipa::path(
    operation_id = "uploads_complete",
    tag = "uploads",
    params(("id" = Uuid, Path, description = "The upload.")),
    request_body(content = Option<CompleteRequest>, description = "Optional: the parts (multipart) and a title."),
    responses((status = 202, description = "Stored as a version; promotion queued.", body = Completed), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["uploads:create"])),
)]
#[post("")]
#[tracing::instrument(skip_all, fields(upload_id = %id))]
async fn complete_upload(
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

//! `/api/assets/{id}/comments` and `/api/comments/{id}`: comments at frames of a version, their
//! replies, edits, soft deletes, resolve/reopen, and the markers export.

use crate::auth::{Auth, perm};
use crate::review::{self, comments};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

/// Bodies a little over the drawing limit reach the drawing check, so an oversized drawing
/// is a 400 `invalid-drawing` like every other bad drawing, not the global 413.
const BODY_LIMIT: usize = 4 * crate::review::drawing::MAX_BYTES;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/assets/{id}/comments")
            .app_data(crate::error::json_config(BODY_LIMIT))
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .route("/assets/{id}/comments/export", web::get().to(export))
    .service(
        web::resource("/comments/{id}")
            .app_data(crate::error::json_config(BODY_LIMIT))
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .route("/comments/{id}/resolve", web::post().to(resolve))
    .route("/comments/{id}/reopen", web::post().to(reopen));
}

/// `GET /api/assets/{id}/comments?version_id&resolved&limit&cursor`: a page of threads.
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn list(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
    q: web::Query<review::ListParams>,
) -> ApiResult<HttpResponse> {
    let out = review::list(&st, &auth, id.into_inner(), q.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(out))
}

/// `POST /api/assets/{id}/comments` -> 201 comment.
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
    body: web::Json<comments::NewCommentBody>,
) -> ApiResult<HttpResponse> {
    let c = comments::create(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(c))
}

/// `GET /api/comments/{id}`: one comment with its drawing.
async fn get(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = comments::get(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(c))
}

/// `PATCH /api/comments/{id} {body?, drawing?}`: the author only.
#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
    body: web::Json<comments::CommentPatch>,
) -> ApiResult<HttpResponse> {
    let c = comments::update(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(c))
}

/// `DELETE /api/comments/{id}`: the author, or a moderator (checked inside: the route is open
/// to every writer so authors can delete their own).
#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn delete(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    comments::delete(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn resolve(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = comments::set_resolved(&st, &auth, id.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(c))
}

#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn reopen(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = comments::set_resolved(&st, &auth, id.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(c))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    version_id: Option<Uuid>,
    format: String,
}

/// `GET /api/assets/{id}/comments/export?version_id&format=edl|fcpxml|csv`.
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn export(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
    q: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let (bytes, content_type, name) =
        review::export(&st, id.into_inner(), q.version_id, &q.format).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("content-type", content_type))
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("cache-control", "no-store"))
        .body(bytes))
}

//! `/api/assets/{id}/comments` and `/api/comments/{id}`: comments at frames of a version, their
//! replies, edits, soft deletes, resolve/reopen, and the markers export.

use super::openapi::{BadBody, BadInput, Clash, Denied, Missing};
use crate::auth::{Auth, perm};
use crate::review::CommentList;
use crate::review::comments::CommentView;
use crate::review::{self, comments};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Bodies a little over the drawing limit reach the drawing check, so an oversized drawing
/// is a 400 `invalid-drawing` like every other bad drawing, not the global 413.
const BODY_LIMIT: usize = 4 * crate::review::drawing::MAX_BYTES;

pub fn configure(cfg: &mut ServiceConfig) {
    // A scope matches its whole prefix, so each one holds every route under it.
    cfg.service(
        utoipa_actix_web::scope("/assets/{id}/comments")
            .app_data(crate::error::json_config(BODY_LIMIT))
            .service(list)
            .service(create)
            .service(export),
    )
    .service(
        utoipa_actix_web::scope("/comments/{id}")
            .app_data(crate::error::json_config(BODY_LIMIT))
            .service(get)
            .service(update)
            .service(remove)
            .service(resolve)
            .service(reopen),
    );
}

/// `GET /api/assets/{id}/comments?version_id&resolved&limit&cursor`: a page of threads.
#[utoipa::path(
    operation_id = "comments_list",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The asset."), review::ListParams),
    responses((status = 200, description = "A page of the version's comment threads; `next` is the cursor of the next page.", body = CommentList), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("")]
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
#[utoipa::path(
    operation_id = "comments_create",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The asset.")),
    responses((status = 201, description = "The comment.", body = CommentView), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["comments:write"])),
)]
#[post("")]
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
#[utoipa::path(
    operation_id = "comments_get",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The comment.")),
    responses((status = 200, description = "The comment with its drawing, without its replies.", body = CommentView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("")]
#[tracing::instrument(skip_all, fields(comment_id = %id))]
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
#[utoipa::path(
    operation_id = "comments_update",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The comment.")),
    responses((status = 200, description = "The edited comment.", body = CommentView), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["comments:write"])),
)]
#[patch("")]
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
#[utoipa::path(
    operation_id = "comments_delete",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The comment.")),
    responses((status = 204, description = "Deleted."), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["comments:write"])),
)]
#[delete("")]
#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn remove(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    comments::delete(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/comments/{id}/resolve`.
#[utoipa::path(
    operation_id = "comments_resolve",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The comment.")),
    responses((status = 200, description = "The resolved comment.", body = CommentView), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["comments:write"])),
)]
#[post("/resolve")]
#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn resolve(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = comments::set_resolved(&st, &auth, id.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(c))
}

/// `POST /api/comments/{id}/reopen`.
#[utoipa::path(
    operation_id = "comments_reopen",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The comment.")),
    responses((status = 200, description = "The reopened comment.", body = CommentView), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["comments:write"])),
)]
#[post("/reopen")]
#[tracing::instrument(skip_all, fields(comment_id = %id))]
async fn reopen(
    st: web::Data<AppState>,
    auth: Auth<perm::CommentsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let c = comments::set_resolved(&st, &auth, id.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(c))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    version_id: Option<Uuid>,
    format: String,
}

/// `GET /api/assets/{id}/comments/export?version_id&format=edl|fcpxml|csv`.
#[utoipa::path(
    operation_id = "comments_export",
    tag = "comments",
    params(("id" = Uuid, Path, description = "The asset."), ExportQuery),
    responses(
        (status = 200, description = "The markers file (EDL, FCPXML or CSV) as an attachment.",
         content((String = "text/plain"), (String = "application/xml"), (String = "text/csv"))),
        BadInput, Denied, Missing,
    ),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/export")]
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

//! `/api/assets`: the library (search, filters, sort, pages), one asset with its versions and
//! jobs, edits, soft delete and reprocessing. Every change is written to the audit log.

use super::openapi::{BadBody, BadInput, Clash, Denied, JobStarted, Missing};
use crate::assets::{self, AssetPatch, ListParams};
use crate::assets::{AssetDetail, ListItem, Page};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::db::models::asset::Asset;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(detail)
        .service(update)
        .service(remove)
        .service(reprocess);
}

/// `GET /api/assets?q&status&media_type&from&to&sort&page&per_page`.
#[utoipa::path(
    operation_id = "assets_list",
    tag = "assets",
    params(ListParams),
    responses((status = 200, description = "A page of the library.", body = Page<ListItem>), BadInput, Denied),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/assets")]
#[tracing::instrument(skip_all)]
async fn list(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    params: web::Query<ListParams>,
) -> ApiResult<HttpResponse> {
    let page = assets::list_with_state(&st, &params).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(page))
}

/// `GET /api/assets/{id}`: the asset, its versions with their jobs, the preview state.
#[utoipa::path(
    operation_id = "assets_get",
    tag = "assets",
    responses((status = 200, description = "The asset with its versions and jobs.", body = AssetDetail), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/assets/{id}")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn detail(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let detail = assets::detail(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(detail))
}

/// `PATCH /api/assets/{id} {title?, description?, tags?}`.
#[utoipa::path(
    operation_id = "assets_update",
    tag = "assets",
    responses((status = 200, description = "The changed asset.", body = Asset), BadBody, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["assets:write"])),
)]
#[patch("/assets/{id}")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsWrite>,
    id: web::Path<Uuid>,
    body: web::Json<AssetPatch>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "asset.update");
    let asset = assets::update(&st, id.into_inner(), body.into_inner(), entry).await?;
    Ok(HttpResponse::Ok().json(asset))
}

/// `DELETE /api/assets/{id}`: soft delete; previews and unprotected masters are removed.
#[utoipa::path(
    operation_id = "assets_delete",
    tag = "assets",
    responses((status = 204, description = "Deleted."), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["assets:delete"])),
)]
#[delete("/assets/{id}")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn remove(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsDelete>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "asset.delete");
    assets::delete(&st, id.into_inner(), entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/assets/{id}/reprocess` -> 202 `{job_id}`.
#[utoipa::path(
    operation_id = "assets_reprocess",
    tag = "assets",
    responses((status = 202, description = "Reprocessing queued.", body = JobStarted), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["assets:write"])),
)]
#[post("/assets/{id}/reprocess")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn reprocess(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "asset.reprocess");
    let job_id = assets::reprocess(&st, id.into_inner(), entry).await?;
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}

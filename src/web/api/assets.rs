//! `/api/assets`: the library (search, filters, sort, pages), one asset with its versions and
//! jobs, edits, soft delete and reprocessing. Every change is written to the audit log.

use crate::assets::{self, AssetPatch, ListParams};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assets", web::get().to(list))
        .route("/assets/{id}", web::get().to(get))
        .route("/assets/{id}", web::patch().to(patch))
        .route("/assets/{id}", web::delete().to(delete))
        .route("/assets/{id}/reprocess", web::post().to(reprocess));
}

/// `GET /api/assets?q&status&media_type&from&to&sort&page&per_page`.
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
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn get(
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
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn patch(
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
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn delete(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsDelete>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "asset.delete");
    assets::delete(&st, id.into_inner(), entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/assets/{id}/reprocess` -> 202 `{job_id}`.
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn reprocess(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsWrite>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "asset.reprocess");
    let job_id = assets::reprocess(&st, id.into_inner(), entry).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "job_id": job_id })))
}

//! `/api/assets`: the library (search, filters, sort, pages), one asset with its versions and
//! jobs, edits, soft delete and reprocessing.

use crate::assets::{self, AssetPatch, ListParams};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> ApiResult<HttpResponse> {
    let page = assets::list(&state, &params).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(page))
}

pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let detail = assets::detail(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(detail))
}

pub async fn patch(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AssetPatch>,
) -> ApiResult<HttpResponse> {
    let asset = assets::update(&state, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(asset))
}

pub async fn delete(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    assets::delete(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn reprocess(state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let job_id = assets::reprocess(&state, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "job_id": job_id })))
}

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/assets", web::get().to(list))
        .route("/assets/{id}", web::get().to(get))
        .route("/assets/{id}", web::patch().to(patch))
        .route("/assets/{id}", web::delete().to(delete))
        .route("/assets/{id}/reprocess", web::post().to(reprocess))
}

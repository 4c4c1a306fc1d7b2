//! `/api/review-sets`: named, ordered lists of assets (`shares::sets`). Everyone who reads the
//! library reads them (they filter it); making and changing them needs `shares:manage`.

use super::openapi::{BadBody, BadInput, Clash, Denied, Missing};
use super::shares::no_store;
use crate::auth::{Auth, perm};
use crate::shares::sets::{self, AddBody, SetBody, SetView};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sets)
        .service(create_set)
        .service(get_set)
        .service(update_set)
        .service(delete_set)
        .service(add_assets)
        .service(remove_asset);
}

#[derive(Serialize, ToSchema)]
struct ReviewSets {
    review_sets: Vec<SetView>,
}

/// `GET /api/review-sets`: every set (at most 500), newest first.
#[utoipa::path(
    operation_id = "review_sets_list",
    tag = "review-sets",
    responses((status = 200, description = "Every review set, newest first.", body = ReviewSets), Denied),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/review-sets")]
async fn list_sets(st: web::Data<AppState>, _: Auth<perm::AssetsRead>) -> ApiResult<HttpResponse> {
    let out = sets::list(&st).await?;
    Ok(no_store(HttpResponse::Ok()).json(ReviewSets { review_sets: out }))
}

/// `GET /api/review-sets/{id}`.
#[utoipa::path(
    operation_id = "review_sets_get",
    tag = "review-sets",
    params(("id" = Uuid, Path, description = "The review set.")),
    responses((status = 200, description = "The review set.", body = SetView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/review-sets/{id}")]
async fn get_set(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(no_store(HttpResponse::Ok()).json(sets::get(&st, id.into_inner()).await?))
}

/// `POST /api/review-sets {name, asset_ids?}` -> 201 (at most 500 sets: 409 past that).
#[utoipa::path(
    operation_id = "review_sets_create",
    tag = "review-sets",
    responses((status = 201, description = "The review set.", body = SetView), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[post("/review-sets")]
async fn create_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    body: web::Json<SetBody>,
) -> ApiResult<HttpResponse> {
    let s = sets::create(&st, &auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(s))
}

/// `PATCH /api/review-sets/{id} {name?, asset_ids?}`: renames; the ids replace the list, in
/// order (how the library reorders).
#[utoipa::path(
    operation_id = "review_sets_update",
    tag = "review-sets",
    params(("id" = Uuid, Path, description = "The review set.")),
    responses((status = 200, description = "The changed review set.", body = SetView), BadBody, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[patch("/review-sets/{id}")]
async fn update_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
    body: web::Json<SetBody>,
) -> ApiResult<HttpResponse> {
    let s = sets::update(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// `POST /api/review-sets/{id}/assets {asset_ids}`: appends those not in the set yet.
#[utoipa::path(
    operation_id = "review_sets_add_assets",
    tag = "review-sets",
    params(("id" = Uuid, Path, description = "The review set.")),
    responses((status = 200, description = "The review set with the assets added at its end.", body = SetView), BadBody, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[post("/review-sets/{id}/assets")]
async fn add_assets(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
    body: web::Json<AddBody>,
) -> ApiResult<HttpResponse> {
    let s = sets::add(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// `DELETE /api/review-sets/{id}/assets/{asset_id}`: takes one asset out of the set.
#[utoipa::path(
    operation_id = "review_sets_remove_asset",
    tag = "review-sets",
    params(
        ("id" = Uuid, Path, description = "The review set."),
        ("asset_id" = Uuid, Path, description = "An asset of the set."),
    ),
    responses((status = 200, description = "The review set without the asset.", body = SetView), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[delete("/review-sets/{id}/assets/{asset_id}")]
async fn remove_asset(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, asset_id) = path.into_inner();
    let s = sets::remove(&st, &auth, id, asset_id).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// `DELETE /api/review-sets/{id}`: the set goes; its assets and the links made from it stay.
#[utoipa::path(
    operation_id = "review_sets_delete",
    tag = "review-sets",
    params(("id" = Uuid, Path, description = "The review set.")),
    responses((status = 204, description = "Deleted."), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[delete("/review-sets/{id}")]
async fn delete_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    sets::delete(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

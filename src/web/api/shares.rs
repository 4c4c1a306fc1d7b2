//! `/api/shares` (links for guests) and `/api/review-sets` (named, ordered asset lists): the
//! team's side; the guests' side is `web::guest`.

use super::openapi::{BadBody, BadInput, Clash, Denied, Missing};
use crate::auth::{Auth, perm};
use crate::shares::activity::ActivityView;
use crate::shares::sets::{SetBody, SetView};
use crate::shares::{self, NewShareBody, SharePatch, ShareView, sets};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(revoke)
        .service(share_activity)
        .service(list_sets)
        .service(create_set)
        .service(get_set)
        .service(update_set)
        .service(delete_set);
}

/// `POST /api/shares`: the share and its guest URL.
#[derive(Serialize, ToSchema)]
struct ShareCreated {
    id: Uuid,
    /// The guest link with its token, shown this once.
    url: String,
    share: ShareView,
}

#[derive(Serialize, ToSchema)]
struct Shares {
    shares: Vec<ShareView>,
}

#[derive(Serialize, ToSchema)]
struct ShareActivity {
    activity: Vec<ActivityView>,
}

#[derive(Serialize, ToSchema)]
struct ReviewSets {
    review_sets: Vec<SetView>,
}

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header(("cache-control", "no-store"));
    b
}

/// `POST /api/shares` -> 201 `{id, url, share}`; the URL (with its token) is shown only here.
#[utoipa::path(
    operation_id = "shares_create",
    tag = "shares",
    responses((status = 201, description = "The share; its URL is shown this once.", body = ShareCreated), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[post("/shares")]
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    body: web::Json<NewShareBody>,
) -> ApiResult<HttpResponse> {
    let (share, url) = shares::create(&st, &auth, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(ShareCreated {
        id: share.id,
        url,
        share,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only the shares of this asset.
    asset_id: Option<Uuid>,
}

/// `GET /api/shares?asset_id=`: newest first, at most 500.
#[utoipa::path(
    operation_id = "shares_list",
    tag = "shares",
    params(ListQuery),
    responses((status = 200, description = "Shares, newest first, at most 500.", body = Shares), BadInput, Denied),
    security(("session" = []), ("bearer" = ["shares:manage"])),
)]
#[get("/shares")]
async fn list(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let out = shares::list(&st, q.asset_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(Shares { shares: out }))
}

/// `GET /api/shares/{id}`.
#[utoipa::path(
    operation_id = "shares_get",
    tag = "shares",
    params(("id" = Uuid, Path, description = "The share.")),
    responses((status = 200, description = "The share.", body = ShareView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["shares:manage"])),
)]
#[get("/shares/{id}")]
async fn get(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (row, ids) = shares::find(&st, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(shares::view(&row, ids)))
}

/// `PATCH /api/shares/{id} {expires_at?, permissions?, password?, ...}`.
#[utoipa::path(
    operation_id = "shares_update",
    tag = "shares",
    params(("id" = Uuid, Path, description = "The share.")),
    responses((status = 200, description = "The changed share.", body = ShareView), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[patch("/shares/{id}")]
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
    body: web::Json<SharePatch>,
) -> ApiResult<HttpResponse> {
    let v = shares::update(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// `DELETE /api/shares/{id}`: revokes the link at once (playback stops within 15 minutes).
#[utoipa::path(
    operation_id = "shares_revoke",
    tag = "shares",
    params(("id" = Uuid, Path, description = "The share.")),
    responses((status = 204, description = "Revoked."), BadInput, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["shares:manage"])),
)]
#[delete("/shares/{id}")]
async fn revoke(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    shares::revoke(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/shares/{id}/activity`: what guests did, newest first, at most 500.
#[utoipa::path(
    operation_id = "shares_activity",
    tag = "shares",
    params(("id" = Uuid, Path, description = "The share.")),
    responses((status = 200, description = "What guests did, newest first, at most 500.", body = ShareActivity), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["shares:manage"])),
)]
#[get("/shares/{id}/activity")]
async fn share_activity(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let out = crate::shares::activity::list(&st, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(ShareActivity { activity: out }))
}

/// `GET /api/review-sets`.
#[utoipa::path(
    operation_id = "review_sets_list",
    tag = "review-sets",
    responses((status = 200, description = "Every review set.", body = ReviewSets), Denied),
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

/// `POST /api/review-sets {name, asset_ids}` -> 201.
#[utoipa::path(
    operation_id = "review_sets_create",
    tag = "review-sets",
    responses((status = 201, description = "The review set.", body = SetView), BadBody, Denied, Missing),
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

/// `PATCH /api/review-sets/{id} {name?, asset_ids?}` (the ids replace the list, in order).
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

/// `DELETE /api/review-sets/{id}`.
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

//! `/api/shares`: links for guests, the team's side (the guests' side is `web::guest`; the
//! review sets a link can share are `review_sets`).

use super::openapi::{BadBody, BadInput, Clash, Denied, Missing};
use crate::auth::{Auth, perm};
use crate::shares::activity::ActivityView;
use crate::shares::{self, NewShareBody, SharePatch, ShareView};
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
        .service(share_activity);
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

pub(super) fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
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

//! `/api/shares` (links for guests) and `/api/review-sets` (named, ordered asset lists): the
//! team's side; the guests' side is `web::guest`.

use crate::auth::{Auth, perm};
use crate::shares::{self, activity, sets};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/shares", web::get().to(list))
        .route("/shares", web::post().to(create))
        .route("/shares/{id}", web::get().to(get))
        .route("/shares/{id}", web::patch().to(update))
        .route("/shares/{id}", web::delete().to(revoke))
        .route("/shares/{id}/activity", web::get().to(activity))
        .route("/review-sets", web::get().to(list_sets))
        .route("/review-sets", web::post().to(create_set))
        .route("/review-sets/{id}", web::get().to(get_set))
        .route("/review-sets/{id}", web::patch().to(update_set))
        .route("/review-sets/{id}", web::delete().to(delete_set));
}

fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header(("cache-control", "no-store"));
    b
}

/// `POST /api/shares` -> 201 `{id, url, share}`; the URL (with its token) is shown only here.
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    body: web::Json<shares::NewShareBody>,
) -> ApiResult<HttpResponse> {
    let (share, url) = shares::create(&st, &auth, body.into_inner()).await?;
    Ok(no_store(HttpResponse::Created()).json(serde_json::json!({
        "id": share.id, "url": url, "share": share,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    asset_id: Option<Uuid>,
}

/// `GET /api/shares?asset_id=`: newest first, at most 500.
async fn list(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    q: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let out = shares::list(&st, q.asset_id).await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "shares": out })))
}

async fn get(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (row, ids) = shares::find(&st, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(shares::view(&row, ids)))
}

/// `PATCH /api/shares/{id} {expires_at?, permissions?, password?, ...}`.
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
    body: web::Json<shares::SharePatch>,
) -> ApiResult<HttpResponse> {
    let v = shares::update(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// `DELETE /api/shares/{id}`: revokes the link at once (playback stops within 15 minutes).
async fn revoke(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    shares::revoke(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/shares/{id}/activity`: what guests did, newest first, at most 500.
async fn activity(
    st: web::Data<AppState>,
    _: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let out = activity::list(&st, id.into_inner()).await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "activity": out })))
}

async fn list_sets(st: web::Data<AppState>, _: Auth<perm::AssetsRead>) -> ApiResult<HttpResponse> {
    let out = sets::list(&st).await?;
    Ok(no_store(HttpResponse::Ok()).json(serde_json::json!({ "review_sets": out })))
}

async fn get_set(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    Ok(no_store(HttpResponse::Ok()).json(sets::get(&st, id.into_inner()).await?))
}

/// `POST /api/review-sets {name, asset_ids}` -> 201.
async fn create_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    body: web::Json<sets::SetBody>,
) -> ApiResult<HttpResponse> {
    let s = sets::create(&st, &auth, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(s))
}

/// `PATCH /api/review-sets/{id} {name?, asset_ids?}` (the ids replace the list, in order).
async fn update_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
    body: web::Json<sets::SetBody>,
) -> ApiResult<HttpResponse> {
    let s = sets::update(&st, &auth, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(s))
}

async fn delete_set(
    st: web::Data<AppState>,
    auth: Auth<perm::SharesManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    sets::delete(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

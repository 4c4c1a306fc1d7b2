//! `/api/versions/{id}/decisions` and `/review`: reviewers' decisions and the status they give.

use super::openapi::{BadBody, Clash, Denied, Missing};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::review::decisions;
use crate::review::decisions::Review;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(decide).service(review);
}

/// `POST /api/versions/{id}/decisions {decision, note?}` -> 201 review.
#[utoipa::path(
    operation_id = "versions_decide",
    tag = "review",
    responses((status = 201, description = "Recorded; the version's review.", body = Review), BadBody, Denied, Missing, Clash),
    security(("session" = [], "csrf" = []), ("bearer" = ["review:decide"])),
)]
#[post("/versions/{id}/decisions")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn decide(
    st: web::Data<AppState>,
    auth: Auth<perm::ReviewDecide>,
    id: web::Path<Uuid>,
    body: web::Json<decisions::DecisionBody>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "review.decide");
    let r = decisions::decide(&st, &auth, id.into_inner(), body.into_inner(), entry).await?;
    Ok(HttpResponse::Created().json(r))
}

/// `GET /api/versions/{id}/review`.
#[utoipa::path(
    operation_id = "versions_review",
    tag = "review",
    responses((status = 200, description = "The version's review status and decisions.", body = Review), super::openapi::BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/versions/{id}/review")]
#[tracing::instrument(skip_all, fields(asset_id = %id))]
async fn review(
    st: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let r = decisions::review(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(r))
}

//! `/api/versions/{id}/decisions` and `/review`: reviewers' decisions and the status they give.

use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::review::decisions;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/versions/{id}/decisions", web::post().to(decide))
        .route("/versions/{id}/review", web::get().to(review));
}

/// `POST /api/versions/{id}/decisions {decision, note?}` -> 201 review.
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

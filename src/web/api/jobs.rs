//! `GET /api/jobs/{id}`: a job's state as a person sees it (queued with its place in the
//! queue, running with percent and time left, ready, failed with the reason in words).

use super::openapi::{BadInput, Denied, Missing};
use crate::auth::{Auth, perm};
use crate::db::models::job as model;
use crate::error::AppError;
use crate::queue::JobView;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(job);
}

#[utoipa::path(
    operation_id = "jobs_get",
    tag = "jobs",
    responses((status = 200, description = "The job as a person sees it.", body = JobView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/jobs/{id}")]
#[tracing::instrument(skip_all, fields(job_id = %id))]
async fn job(
    state: web::Data<AppState>,
    _: Auth<perm::AssetsRead>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, position) = state
        .db
        .run(move |c| {
            let Some(row) = model::find(c, id)? else {
                return Ok((None, None));
            };
            let position = match row.state.as_str() {
                "queued" => Some(model::queue_position(c, &row)?),
                _ => None,
            };
            Ok((Some(row), position))
        })
        .await?;
    let row = row.ok_or_else(|| AppError::not_found("No job with this id."))?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(JobView::new(row, position)))
}

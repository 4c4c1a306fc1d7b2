//! `POST /api/assets/{id}/poster {time}`: queue a re-render of a ready preview's poster at
//! `time` seconds (the worker renders; the api never runs ffmpeg). 202 `{job_id}`.

use super::openapi::{BadBody, Clash, Denied, JobStarted, Missing};
use crate::audit::{self, Entry};
use crate::auth::{Auth, perm};
use crate::error::AppError;
use crate::queue::{self, jobs::poster::Poster};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(poster);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PosterBody {
    /// Seconds into the media.
    time: f64,
}

#[utoipa::path(
    operation_id = "assets_poster",
    tag = "assets",
    responses(
        (status = 202, description = "The re-render is queued.", body = JobStarted),
        BadBody, Denied, Missing, Clash,
    ),
    security(("session" = [], "csrf" = []), ("bearer" = ["assets:write"])),
)]
#[post("/assets/{id}/poster")]
#[tracing::instrument(skip_all, fields(asset_id = %path))]
async fn poster(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsWrite>,
    path: web::Path<Uuid>,
    body: web::Json<PosterBody>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let time = body.time;
    if !time.is_finite() || time < 0.0 {
        return Err(AppError::bad_request(
            "invalid-time",
            "time must be a number of seconds, 0 or more.",
        ));
    }
    let v = crate::assets::current_version(&st, id).await?;
    let vid = v.id;
    if v.status != "ready" {
        return Err(AppError::conflict(
            "preview-not-ready",
            "The preview is not ready yet; choose a poster once it is.",
        ));
    }
    let tech = v.technical.unwrap_or_default();
    if tech["still"] == true {
        return Err(AppError::conflict(
            "still-image",
            "An image's poster is the picture itself.",
        ));
    }
    if tech["video"].is_null() {
        return Err(AppError::conflict(
            "no-video",
            "This asset has no picture to take a poster from.",
        ));
    }
    let duration = tech["duration"].as_f64().unwrap_or(0.0);
    if time > duration {
        return Err(AppError::bad_request(
            "time-out-of-range",
            format!("time must be within the media's {duration:.2} seconds."),
        ));
    }
    let job_id = queue::enqueue(
        &st,
        &Poster {
            asset_id: id,
            version_id: vid,
            time,
        },
    )
    .await?;
    let entry = Entry::by(&auth, "asset.poster")
        .target("asset", id)
        .details(serde_json::json!({ "version_id": vid, "time": time, "job_id": job_id }));
    audit::record(&st.db, entry).await?;
    Ok(HttpResponse::Accepted().json(JobStarted { job_id }))
}

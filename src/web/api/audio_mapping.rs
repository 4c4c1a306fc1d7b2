//! `PUT /api/assets/{id}/audio-mapping {mapping}`: choose which audio tracks make the current
//! version's preview stereo (`track:N`, `pair:L,R`, `5.1:N`). Recorded on the version; a ready
//! preview gets its audio re-rendered by a job (202 `{job_id}`), one still to be made uses the
//! choice when it is (200 `{job_id: null}`).

use super::openapi::{BadBody, Clash, Denied, Missing};
use crate::audit::{self, Entry};
use crate::auth::{Auth, perm};
use crate::db::models::version;
use crate::error::AppError;
use crate::media::TechnicalMetadata;
use crate::media::audio::AudioMapping;
use crate::queue::{self, jobs::audio_mapping::AudioRemap};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(set_mapping);
}

#[derive(Serialize, ToSchema)]
struct MappingSet {
    /// The choice as stored (`track:N`, `pair:L,R`, `5.1:N`).
    audio_mapping: String,
    /// The re-render of a ready preview's audio; null when no preview is ready yet.
    job_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct MappingBody {
    mapping: String,
}

#[utoipa::path(
    operation_id = "assets_audio_mapping",
    tag = "assets",
    responses(
        (status = 200, description = "Recorded; the preview still to be made will use it.", body = MappingSet),
        (status = 202, description = "Recorded; the ready preview's audio is re-rendered.", body = MappingSet),
        BadBody, Denied, Missing, Clash,
    ),
    security(("session" = [], "csrf" = []), ("bearer" = ["assets:write"])),
)]
#[put("/assets/{id}/audio-mapping")]
#[tracing::instrument(skip_all, fields(asset_id = %path))]
async fn set_mapping(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsWrite>,
    path: web::Path<Uuid>,
    body: web::Json<MappingBody>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let mapping: AudioMapping = body
        .mapping
        .parse()
        .map_err(|e: String| AppError::bad_request("invalid-audio-mapping", e))?;
    let v = crate::assets::current_version(&st, id).await?;
    let vid = v.id;
    let meta: Option<TechnicalMetadata> = v.technical.and_then(|t| serde_json::from_value(t).ok());
    // Before probing the tracks are unknown: the preview job checks the choice then.
    if let Some(meta) = &meta {
        if meta.audio.is_empty() {
            return Err(AppError::conflict(
                "no-audio",
                "This asset has no audio tracks to map.",
            ));
        }
        mapping
            .check(&meta.audio)
            .map_err(|e| AppError::bad_request("invalid-audio-mapping", e))?;
    }
    let text = mapping.to_string();
    let m = text.clone();
    st.db
        .run(move |c| version::set_audio_mapping(c, vid, &m))
        .await?;
    let job_id = if v.status == "ready" {
        Some(
            queue::enqueue(
                &st,
                &AudioRemap {
                    asset_id: id,
                    version_id: vid,
                    mapping,
                },
            )
            .await?,
        )
    } else {
        None
    };
    let entry = Entry::by(&auth, "asset.audio_mapping")
        .target("asset", id)
        .details(serde_json::json!({ "version_id": vid, "mapping": text, "job_id": job_id }));
    audit::record(&st.db, entry).await?;
    let body = MappingSet {
        audio_mapping: text,
        job_id,
    };
    Ok(match job_id {
        Some(_) => HttpResponse::Accepted().json(body),
        None => HttpResponse::Ok().json(body),
    })
}

//! `GET /api/assets/{id}/events`: Server-Sent Events with the asset's job and version changes
//! (state, percent, eta, error) for its page. The stream opens with a snapshot from
//! PostgreSQL, then relays the asset's channel from the process's one fan-out (`events::hub`),
//! with `retry:` and a heartbeat; it ends within a heartbeat of its session ending.

use super::openapi::{BadInput, Busy, Denied, Missing};
use super::stream_guard;
use crate::auth::{Auth, perm};
use crate::db::models::job::JobRow;
use crate::db::models::{asset, job, version};
use crate::error::AppError;
use crate::events::{self, Event};
use crate::state::AppState;
use crate::web::{ApiResult, sse};
use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use futures_util::StreamExt;
use std::time::Duration;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// One connection lasts this long; the browser then reconnects (after `retry:`) and gets a
/// fresh snapshot, so a long-open page never drifts from the record.
const STREAM_FOR: Duration = Duration::from_secs(30 * 60);
const RETRY_MS: u32 = 3000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(asset_events);
}

#[utoipa::path(
    operation_id = "assets_events",
    tag = "assets",
    responses(
        (status = 200, description = "Server-Sent Events: `version` and `job` events, a snapshot first.",
         content_type = "text/event-stream", body = String),
        BadInput, Denied, Missing, Busy,
    ),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/assets/{id}/events")]
#[tracing::instrument(skip_all, fields(asset_id = %path))]
async fn asset_events(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsRead>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let slot = stream_guard::slot(&st, &auth)?;
    let found = st.db.run(move |c| asset::find_live(c, id)).await?;
    let a = found.ok_or_else(|| AppError::not_found("No asset with this id."))?;
    // Subscribed before the snapshot is read, so no change falls between the two.
    let live = st
        .hub
        .subscribe(events::channel(&st.redis, id))
        .await?
        .into_stream();
    let current = a.current_version_id;
    let (jobs, v) = st
        .db
        .run(move |c| {
            let v = match current {
                Some(vid) => version::find(c, vid)?,
                None => None,
            };
            Ok((job::for_asset(c, id)?, v))
        })
        .await?;
    let mut snapshot = Vec::new();
    if let Some(v) = v {
        let e = Event::of_version(v.id, v.status, v.error);
        snapshot.push(sse::event("version", &e));
    }
    // The newest job of each kind about the current version (jobs come newest first), sent
    // oldest first: the page takes the last word, so the preview's state follows the
    // promotion's as it did live.
    let mut seen = std::collections::HashSet::new();
    let mut newest: Vec<&JobRow> = jobs
        .iter()
        .filter(|j| j.version_id == current && seen.insert(j.kind.clone()))
        .collect();
    newest.reverse();
    for j in newest {
        snapshot.push(sse::event("job", &Event::of_job(j)));
    }
    let relayed = live.map(|payload| {
        // The JSON's own `type` (job or version) names the event.
        let name = serde_json::from_str::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_string))
            .unwrap_or_else(|| "message".into());
        Bytes::from(format!("event: {name}\ndata: {payload}\n\n"))
    });
    let until = tokio::time::sleep(STREAM_FOR);
    let stream = futures_util::stream::iter(snapshot)
        .chain(relayed)
        .take_until(until)
        .boxed();
    let alive = stream_guard::alive(&st, &auth, slot);
    Ok(sse::response_while(RETRY_MS, stream, alive))
}

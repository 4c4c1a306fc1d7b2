//! The original system's preview status contract, kept working for its player page:
//! `GET /api/preview/status?prefix=` and the SSE `GET /api/preview/events?prefix=`. A preview is
//! ready when its master playlist exists, which publishing writes last.

use super::openapi::{BadInput, Busy, Denied};
use super::stream_guard;
use crate::auth::{Auth, perm};
use crate::error::AppError;
use crate::previews;
use crate::state::AppState;
use crate::storage::{Bucket, DynStorage, validate_key};
use crate::web::{ApiResult, sse};
use actix_web::{HttpResponse, get, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

/// How long one stream lasts before the browser's automatic reconnect (after `retry:`) starts
/// a new one (which looks at storage again).
const STREAM_FOR: Duration = Duration::from_secs(60);
const RETRY_MS: u32 = 2000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(status).service(events);
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PrefixQuery {
    /// The preview directory, `previews/<asset-id>/<version-id>`.
    prefix: Option<String>,
}

#[derive(Clone, Serialize, ToSchema)]
struct Status {
    ready: bool,
    prefix: String,
}

/// `previews/...` without a trailing slash, checked like any storage key.
fn clean_prefix(raw: Option<&str>) -> Result<String, AppError> {
    let p = raw.map(str::trim).unwrap_or_default();
    if p.is_empty() {
        return Err(AppError::bad_request(
            "missing-prefix",
            "Missing prefix parameter: give the preview prefix, like previews/<asset-id>/<version-id>.",
        ));
    }
    let p = p.trim_end_matches('/');
    let valid = p.starts_with("previews/") && validate_key(&previews::master_key(p)).is_ok();
    if !valid {
        return Err(AppError::bad_request(
            "invalid-prefix",
            "The prefix must look like previews/<asset-id>/<version-id>.",
        ));
    }
    Ok(p.to_string())
}

async fn is_ready(storage: &DynStorage, prefix: &str) -> Result<bool, AppError> {
    match storage
        .head(Bucket::Previews, &previews::master_key(prefix))
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/preview/status?prefix=` -> `{ready, prefix}`.
#[utoipa::path(
    operation_id = "preview_status",
    tag = "previews",
    params(PrefixQuery),
    responses((status = 200, description = "Whether the preview is ready.", body = Status), BadInput, Denied),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/preview/status")]
#[tracing::instrument(skip_all, fields(prefix = ?q.prefix))]
async fn status(
    st: web::Data<AppState>,
    _auth: Auth<perm::AssetsRead>,
    q: web::Query<PrefixQuery>,
) -> ApiResult<HttpResponse> {
    let prefix = clean_prefix(q.prefix.as_deref())?;
    let ready = is_ready(&st.storage, &prefix).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Status { ready, prefix }))
}

/// `GET /api/preview/events?prefix=`: `event: status` with `{ready, prefix}` at once and again
/// whenever the asset's version changes (from the process's one event fan-out, not by polling
/// storage), until ready, for up to a minute per connection.
#[utoipa::path(
    operation_id = "preview_events",
    tag = "previews",
    params(PrefixQuery),
    responses(
        (status = 200, description = "Server-Sent Events: `status` events with `{ready, prefix}`.",
         content_type = "text/event-stream", body = String),
        BadInput, Denied, Busy,
    ),
    security(("session" = []), ("bearer" = ["assets:read"])),
)]
#[get("/preview/events")]
#[tracing::instrument(skip_all, fields(prefix = ?q.prefix))]
async fn events(
    st: web::Data<AppState>,
    auth: Auth<perm::AssetsRead>,
    q: web::Query<PrefixQuery>,
) -> ApiResult<HttpResponse> {
    let prefix = clean_prefix(q.prefix.as_deref())?;
    let slot = stream_guard::slot(&st, &auth)?;
    // Subscribed before the first look, so a preview finished in between is not missed.
    let changes = match asset_of(&prefix) {
        Some(asset) => st
            .hub
            .subscribe(crate::events::channel(&st.redis, asset))
            .await?
            .into_stream(),
        None => futures_util::stream::pending().boxed(),
    };
    // The first answer is checked before the stream starts, so an outage is a 503 here.
    let first = is_ready(&st.storage, &prefix).await?;
    let first_event = sse::event(
        "status",
        &Status {
            ready: first,
            prefix: prefix.clone(),
        },
    );
    let storage = st.storage.clone();
    let later = futures_util::stream::unfold((changes, first), move |(mut changes, done)| {
        let (storage, prefix) = (storage.clone(), prefix.clone());
        async move {
            if done {
                return None;
            }
            loop {
                let payload = changes.next().await?;
                // Only a version's status change can make the preview ready.
                if !payload.contains("\"type\":\"version\"") {
                    continue;
                }
                // A storage hiccup mid-stream is "not ready yet", not the end.
                let ready = is_ready(&storage, &prefix).await.unwrap_or(false);
                let ev = sse::event("status", &Status { ready, prefix });
                return Some((ev, (changes, ready)));
            }
        }
    });
    let stream = futures_util::stream::once(async move { first_event })
        .chain(later)
        .take_until(tokio::time::sleep(STREAM_FOR))
        .boxed();
    let alive = stream_guard::alive(&st, &auth, slot);
    Ok(sse::response_while(RETRY_MS, stream, alive))
}

/// The asset a preview prefix (`previews/<asset-id>/<version-id>`) belongs to.
fn asset_of(prefix: &str) -> Option<uuid::Uuid> {
    prefix
        .strip_prefix("previews/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

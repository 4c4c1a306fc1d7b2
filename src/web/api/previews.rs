//! The original system's preview status contract, kept working for its player page:
//! `GET /api/preview/status?prefix=` and the SSE `GET /api/preview/events?prefix=`. A preview is
//! ready when its master playlist exists, which publishing writes last.

use crate::auth::{Auth, perm};
use crate::error::AppError;
use crate::previews;
use crate::state::AppState;
use crate::storage::{Bucket, DynStorage, validate_key};
use crate::web::{ApiResult, sse};
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How often the events stream looks again, and how long one stream lasts before the
/// browser's automatic reconnect (after `retry:`) starts a new one.
const POLL: Duration = Duration::from_secs(2);
const STREAM_FOR: Duration = Duration::from_secs(60);
const RETRY_MS: u32 = 2000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/preview/status", web::get().to(status))
        .route("/preview/events", web::get().to(events));
}

#[derive(Deserialize)]
struct PrefixQuery {
    prefix: Option<String>,
}

#[derive(Clone, Serialize)]
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

/// `GET /api/preview/events?prefix=`: `event: status` with `{ready, prefix}` every 2 s until
/// ready, for up to a minute per connection.
async fn events(
    st: web::Data<AppState>,
    _auth: Auth<perm::AssetsRead>,
    q: web::Query<PrefixQuery>,
) -> ApiResult<HttpResponse> {
    let prefix = clean_prefix(q.prefix.as_deref())?;
    // The first answer is checked before the stream starts, so an outage is a 503 here.
    let first = is_ready(&st.storage, &prefix).await?;
    let storage = st.storage.clone();
    let deadline = tokio::time::Instant::now() + STREAM_FOR;
    let polls = futures_util::stream::unfold((Some(first), false), move |(known, done)| {
        let (storage, prefix) = (storage.clone(), prefix.clone());
        async move {
            if done || tokio::time::Instant::now() >= deadline {
                return None;
            }
            let ready = match known {
                Some(r) => r,
                None => {
                    tokio::time::sleep(POLL).await;
                    // A storage hiccup mid-stream is "not ready yet", not the end.
                    is_ready(&storage, &prefix).await.unwrap_or(false)
                }
            };
            let ev = sse::event("status", &Status { ready, prefix });
            Some((ev, (None, ready)))
        }
    });
    Ok(sse::response(RETRY_MS, polls.boxed()))
}

//! Downloads through a link, by its permission: `proxy` the progressive MP4 made once from the
//! ladder (`media::proxy`, by the `proxy-mp4` job), `original` the master; each a 5-minute
//! presigned GET, kept in the share's activity and the audit log with the guest's identity.

use super::access::Access;
use super::activity;
use crate::db::models::version;
use crate::error::AppError;
use crate::media::pipeline::{MANIFEST, Manifest};
use crate::media::proxy;
use crate::queue::jobs::proxy as proxy_job;
use crate::state::AppState;
use crate::storage::{Bucket, PreviewKey};
use std::time::Duration;
use uuid::Uuid;

/// How long a download link works.
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(300);
/// Largest manifest.json read.
const MANIFEST_LIMIT: usize = 1 << 20;

/// A file name with nothing a header or a file system could trip on.
fn stem(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect()
}

async fn manifest(state: &AppState, dir: &str) -> Result<Manifest, AppError> {
    let body = state
        .storage
        .get(Bucket::Previews, &format!("{dir}{MANIFEST}"), None)
        .await?;
    let bytes = crate::storage::collect(body.body, MANIFEST_LIMIT).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading manifest.json: {e}")))
}

/// Queues the proxies of the shared versions a link lets guests download (ready videos only;
/// the others get theirs when first asked for). Best effort: a link works without them.
pub async fn prepare(state: &AppState, allow_download: &str, versions: Vec<(Uuid, Option<Uuid>)>) {
    if allow_download == "none" {
        return;
    }
    for (asset_id, pinned) in versions {
        let v = crate::review::version_of_asset(state, asset_id, pinned).await;
        let Ok(v) = v.inspect_err(|e| tracing::debug!(error = %e, "no version to prepare")) else {
            continue;
        };
        if v.status == "ready" && v.media_type == "video" {
            if let Err(e) = proxy_job::ensure(state, asset_id, v.id).await {
                tracing::warn!(error = %e, %asset_id, "could not queue the proxy MP4");
            }
        }
    }
}

/// `GET .../assets/{id}/download?version_id&kind=proxy|original`: the presigned URL.
pub async fn download(
    state: &AppState,
    a: &Access,
    asset_id: Uuid,
    version_id: Option<Uuid>,
    kind: &str,
) -> Result<String, AppError> {
    a.require_unlocked()?;
    let v = a.version(state, asset_id, version_id).await?;
    if !matches!(kind, "proxy" | "original") {
        return Err(AppError::bad_request(
            "invalid-kind",
            "kind is proxy or original.",
        ));
    }
    let allowed = match a.share.allow_download.as_str() {
        "original" => true,
        "proxy" => kind == "proxy",
        _ => false,
    };
    if !allowed {
        return Err(AppError::forbidden(
            "This link does not allow that download.",
        ));
    }
    a.identity()?;
    let title = super::guest::asset_title(state, asset_id).await?;
    let (bucket, key, name) = if kind == "original" {
        if v.stored_at.is_none() {
            return Err(AppError::conflict(
                "not-stored-yet",
                "This version's master is still being stored.",
            ));
        }
        (Bucket::Masters, v.master_key.clone(), v.filename.clone())
    } else {
        proxy_of(state, &v, &title).await?
    };
    let url = state
        .storage
        .presign_get(bucket, &key, Some(&name), DOWNLOAD_TTL)
        .await?;
    let details = serde_json::json!({ "kind": kind });
    activity::record(state, a, "downloaded", Some(asset_id), Some(v.id), details).await?;
    Ok(url.url)
}

/// The stored proxy of `v`: its bucket, key and download name; 409 `proxy-preparing` (its job
/// queued) while it is being made.
async fn proxy_of(
    state: &AppState,
    v: &version::Version,
    title: &str,
) -> Result<(Bucket, String, String), AppError> {
    if v.status != "ready" || v.media_type != "video" {
        return Err(AppError::conflict(
            "no-proxy",
            "This version has no video to download as MP4.",
        ));
    }
    let dir = PreviewKey::new(v.asset_id, v.id).dir();
    let m = manifest(state, &dir).await?;
    if let Some(p) = proxy::current(&m) {
        let name = format!("{}-v{}-{}p.mp4", stem(title), v.number, p.height);
        return Ok((Bucket::Previews, format!("{dir}{}", p.path), name));
    }
    if proxy::proxy_rung(&m).is_none() {
        return Err(AppError::conflict(
            "no-proxy",
            "This version has no video rung to download.",
        ));
    }
    proxy_job::ensure(state, v.asset_id, v.id).await?;
    Err(AppError::conflict(
        "proxy-preparing",
        "The MP4 is being made; try again in a minute.",
    ))
}

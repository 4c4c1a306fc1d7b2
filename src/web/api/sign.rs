//! `POST /api/sign-preview`: a signed, expiring edge URL for a preview, scoped to its directory.

use super::openapi::{BadBody, Clash, Denied, Missing};
use crate::audit::{self, Entry};
use crate::auth::{Auth, Permission, perm};
use crate::config::SIGN_DEFAULT_SECS;
use crate::db::models::{asset, version};
use crate::error::AppError;
use crate::signing::{self, SignError};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(sign_preview);
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignBody {
    /// The asset whose current preview to sign (`assetId` in the old contract).
    #[serde(default, alias = "assetId")]
    pub asset_id: Option<String>,
    /// A directory under `previews/`, or a playlist in one.
    #[serde(default)]
    pub preview_prefix: Option<String>,
    /// The playlist in that directory (old contract); `index.m3u8` by default.
    #[serde(default)]
    pub playlist: Option<String>,
    /// Lifetime in seconds (`expSec` in the old contract); 1 h by default.
    #[serde(default, alias = "expSec")]
    pub exp_sec: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
struct Signed {
    url: String,
    exp: u64,
    edge: bool,
}

/// Any role may play previews (`previews:sign`); signing by asset also needs `assets:read`.
#[utoipa::path(
    operation_id = "sign_preview",
    tag = "previews",
    responses(
        (status = 200, description = "A signed, expiring edge URL.", body = Signed),
        BadBody, Denied, Missing, Clash,
    ),
    security(("session" = [], "csrf" = []), ("bearer" = ["previews:sign"])),
)]
#[post("/sign-preview")]
#[tracing::instrument(skip_all)]
async fn sign_preview(
    state: web::Data<AppState>,
    auth: Auth<perm::PreviewsSign>,
    body: web::Json<SignBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let max = state.config.edge.sign_max_secs;
    let ttl = body.exp_sec.unwrap_or(SIGN_DEFAULT_SECS);
    if ttl == 0 || ttl > max {
        return Err(AppError::bad_request(
            "invalid-expiry",
            format!("exp_sec must be between 1 and {max} seconds (MM_SIGN_MAX_SECONDS)."),
        ));
    }
    let target = match (&body.asset_id, &body.preview_prefix) {
        (None, Some(prefix)) => {
            check_prefix_asset(&state, prefix).await?;
            prefix.clone()
        }
        (Some(_), Some(_)) => {
            return Err(AppError::bad_request(
                "ambiguous-target",
                "Send asset_id or preview_prefix, not both.",
            ));
        }
        (Some(id), None) => {
            if !auth.permissions.contains(&Permission::AssetsRead) {
                return Err(AppError::forbidden(
                    "Signing an asset's preview needs the assets:read permission.",
                ));
            }
            preview_of_asset(&state, id).await?
        }
        (None, None) => {
            return Err(AppError::bad_request(
                "missing-target",
                "Send asset_id or preview_prefix.",
            ));
        }
    };
    let exp = signing::now() + ttl;
    let signed = state
        .signer
        .playback_url(
            &state.config.edge_public_base,
            &target,
            body.playlist.as_deref(),
            exp,
        )
        .map_err(|e| match e {
            SignError::InvalidPrefix(why) => {
                AppError::bad_request("invalid-prefix", format!("Cannot sign that: {why}."))
            }
            SignError::NoKey => AppError::Internal(anyhow::anyhow!(e)),
        })?;
    audit::record(
        &state.db,
        Entry::by(&auth, "preview.sign")
            .target("preview", &signed.prefix)
            .details(serde_json::json!({ "exp": signed.exp })),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Signed {
            url: signed.url,
            exp: signed.exp,
            edge: true,
        }))
}

/// A prefix names `previews/<asset-id>/...`; that asset must exist and not be deleted, so a
/// link can never be signed for a removed asset's leftovers or for the whole bucket.
async fn check_prefix_asset(state: &AppState, prefix: &str) -> Result<(), AppError> {
    let invalid = || {
        AppError::bad_request(
            "invalid-prefix",
            "preview_prefix must look like previews/<asset-id>/<version-id>/.",
        )
    };
    let rest = prefix
        .trim_start_matches('/')
        .strip_prefix("previews/")
        .ok_or_else(invalid)?;
    let mut parts = rest.split('/');
    let asset_id: Uuid = parts
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or_else(invalid)?;
    let version_id: Option<Uuid> = match parts.next() {
        None | Some("") => None,
        Some(v) => Some(v.parse().map_err(|_| invalid())?),
    };
    let found = state
        .db
        .run(move |c| {
            let Some(a) = asset::find_live(c, asset_id)? else {
                return Ok(None);
            };
            let version_ok = match version_id {
                None => true,
                Some(v) => version::find(c, v)?.is_some_and(|v| v.asset_id == a.id),
            };
            Ok(Some(version_ok))
        })
        .await?;
    match found {
        None => Err(AppError::client(
            StatusCode::NOT_FOUND,
            "asset-not-found",
            "No asset with this id (it may have been deleted).",
        )),
        Some(false) => Err(AppError::client(
            StatusCode::NOT_FOUND,
            "version-not-found",
            "This asset has no version with that id.",
        )),
        Some(true) => Ok(()),
    }
}

/// The preview directory of an asset's current version: `previews/<asset>/<version>/`, where
/// the worker writes it.
async fn preview_of_asset(state: &AppState, id: &str) -> Result<String, AppError> {
    let id: Uuid = id.trim().parse().map_err(|_| {
        AppError::bad_request("invalid-asset-id", "asset_id must be an asset's UUID.")
    })?;
    let found = state.db.run(move |c| asset::find_live(c, id)).await?;
    let asset = found.ok_or_else(|| {
        AppError::client(
            StatusCode::NOT_FOUND,
            "asset-not-found",
            "No asset with this id.",
        )
    })?;
    let version = asset.current_version_id.ok_or_else(|| {
        AppError::conflict(
            "no-version",
            "This asset has no stored version yet, so no preview to play.",
        )
    })?;
    Ok(crate::storage::PreviewKey::new(asset.id, version).dir())
}

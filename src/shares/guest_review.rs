//! A guest's decisions (by the link's permission), the review they see (names only), and
//! signed playback of the shared versions (at most 15 minutes, the page renews).

use super::access::Access;
use super::activity;
use crate::db::models::decision::{self, NewDecision};
use crate::db::models::{asset, version::Version};
use crate::error::AppError;
use crate::review::decisions::{self, DecisionBody, Review};
use crate::signing::SignError;
use crate::state::AppState;
use crate::storage::PreviewKey;
use serde::Serialize;
use uuid::Uuid;

/// Longest life of a guest's playback token: a revoked link stops playing within it.
pub const PLAYBACK_SECS: u64 = 15 * 60;

/// A review with nobody's id or email.
fn for_guest(mut r: Review) -> Review {
    for d in &mut r.decisions {
        d.author.id = None;
        d.author.email = None;
    }
    r
}

/// `GET .../versions/{id}/review`.
pub async fn review(state: &AppState, a: &Access, version_id: Uuid) -> Result<Review, AppError> {
    a.require_unlocked()?;
    a.check_version_id(state, version_id).await?;
    Ok(for_guest(decisions::review(state, version_id).await?))
}

/// `POST .../versions/{id}/decisions`: only on a link that allows approving.
pub async fn decide(
    state: &AppState,
    a: &Access,
    version_id: Uuid,
    body: DecisionBody,
) -> Result<Review, AppError> {
    a.require_unlocked()?;
    // Another asset's version is unknown here, whatever the link allows.
    let v = a.check_version_id(state, version_id).await?;
    if !a.may_approve() {
        return Err(AppError::forbidden(
            "This link does not let you approve or request changes.",
        ));
    }
    let (g, name, email) = a.identity()?;
    let gid = g.id;
    if !matches!(body.decision.as_str(), "approved" | "changes_requested") {
        return Err(AppError::bad_request(
            "invalid-decision",
            "decision is approved or changes_requested.",
        ));
    }
    let note: String = body
        .note
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let note = note.trim().to_string();
    if note.chars().count() > crate::review::comments::MAX_BODY {
        return Err(AppError::bad_request(
            "body-too-long",
            "A note may have at most 5000 characters.",
        ));
    }
    let what = body.decision.clone();
    let asset_id = v.asset_id;
    let share_id = a.share.id;
    let (status, rows_) = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if asset::lock_live(c, asset_id)?.is_none() {
                    return Err(diesel::result::Error::NotFound);
                }
                decision::insert(
                    c,
                    &NewDecision {
                        id: Uuid::now_v7(),
                        asset_id,
                        version_id,
                        reviewer_id: None,
                        reviewer_name: name,
                        decision: what,
                        note,
                        guest_id: Some(gid),
                        reviewer_key: decisions::guest_key(share_id, &email),
                        reviewer_email: Some(decisions::guest_email(&email)),
                    },
                )?;
                let status =
                    decisions::status_of(&decision::latest_per_reviewer(c, version_id)?, true);
                decision::set_status(c, version_id, status)?;
                Ok((status, decision::for_version(c, version_id)?))
            })
        })
        .await?;
    decisions::announce(state, asset_id, version_id, status).await;
    let details = serde_json::json!({ "decision": body.decision, "status": status });
    activity::record(
        state,
        a,
        "decided",
        Some(asset_id),
        Some(version_id),
        details,
    )
    .await?;
    Ok(for_guest(decisions::review_of(
        version_id, asset_id, status, rows_,
    )))
}

#[derive(Debug, Serialize)]
pub struct Signed {
    pub url: String,
    pub exp: u64,
}

/// `POST .../assets/{id}/sign {version_id?}`: an edge URL for that version's previews only.
pub async fn sign(
    state: &AppState,
    a: &Access,
    asset_id: Uuid,
    version_id: Option<Uuid>,
) -> Result<Signed, AppError> {
    a.require_unlocked()?;
    let v = a.version(state, asset_id, version_id).await?;
    playable(&v)?;
    let exp = playback_exp(a);
    let prefix = PreviewKey::new(asset_id, v.id).dir();
    let signed = state
        .signer
        .playback_url(&state.config.edge_public_base, &prefix, None, exp)
        .map_err(|e| match e {
            SignError::InvalidPrefix(why) => AppError::bad_request("invalid-prefix", why),
            SignError::NoKey => AppError::Internal(anyhow::anyhow!(e)),
        })?;
    Ok(Signed {
        url: signed.url,
        exp: signed.exp,
    })
}

/// When a guest's edge token ends: in `PLAYBACK_SECS`, or when the link expires if sooner.
pub fn playback_exp(a: &Access) -> u64 {
    let now = crate::signing::now();
    let mut ttl = PLAYBACK_SECS;
    if let Some(e) = a.share.expires_at {
        let left = (e.unix_timestamp() - now as i64).max(1) as u64;
        ttl = ttl.min(left);
    }
    now + ttl
}

pub(super) fn playable(v: &Version) -> Result<(), AppError> {
    if v.status != "ready" || !matches!(v.media_type.as_str(), "video" | "audio") {
        return Err(AppError::conflict(
            "not-playable",
            "This version has no preview to play yet.",
        ));
    }
    Ok(())
}

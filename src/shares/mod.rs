//! Share links: what a studio sends to people without an account (one asset or a review set,
//! a version rule, an expiry, a password, what guests may do), stored with only the SHA-256 of
//! the link's token; the guests' side is `guest`, review sets are `sets`.

pub mod access;
pub mod activity;
pub mod download;
pub mod guest;
pub mod guest_review;
pub mod sets;
pub mod throttle;

use crate::audit::{self, Entry};
use crate::auth::password::{self, Password};
use crate::auth::{Caller, random_token, sha256};
use crate::db::models::share::{self as rows, NewShare, ShareChanges, ShareRow};
use crate::db::models::{asset, review_set};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Assets one share may show (and a review set may hold).
pub const MAX_ITEMS: usize = 200;
/// Shares a list answers at most.
pub const MAX_LIST: i64 = 500;
/// Random bytes in a link's token: 256 bits, 43 characters of base64url.
pub const TOKEN_BYTES: usize = 32;
pub const TOKEN_CHARS: usize = 43;
pub const MAX_TITLE: usize = 200;

pub const PERMISSIONS: &[&str] = &["view", "comment", "approve"];
pub const DOWNLOADS: &[&str] = &["none", "proxy", "original"];

/// A new link token (shown once) and the hash stored for it.
pub fn new_token() -> anyhow::Result<(String, Vec<u8>)> {
    let t = random_token(TOKEN_BYTES)?;
    let h = sha256(t.as_bytes()).to_vec();
    Ok((t, h))
}

/// The hash of a token as a guest sent it, or `None` when it cannot be one of ours.
pub fn token_hash(raw: &str) -> Option<Vec<u8>> {
    let ok = raw.len() == TOKEN_CHARS
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| sha256(raw.as_bytes()).to_vec())
}

/// Where a link stands.
pub fn state_of(s: &ShareRow, now: OffsetDateTime) -> &'static str {
    if s.revoked_at.is_some() {
        "revoked"
    } else if s.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

/// A share as the team's API answers it (never the token, never the password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShareView {
    pub id: Uuid,
    pub title: String,
    pub set_id: Option<Uuid>,
    pub asset_ids: Vec<Uuid>,
    pub version: String,
    pub permissions: String,
    pub allow_download: String,
    pub show_versions: bool,
    pub watermark: bool,
    pub has_password: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    pub state: &'static str,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub fn view(s: &ShareRow, asset_ids: Vec<Uuid>) -> ShareView {
    ShareView {
        id: s.id,
        title: s.title.clone(),
        set_id: s.set_id,
        asset_ids,
        version: s.version_mode.clone(),
        permissions: s.permissions.clone(),
        allow_download: s.allow_download.clone(),
        show_versions: s.show_versions,
        watermark: s.watermark,
        has_password: s.password_hash.is_some(),
        expires_at: s.expires_at,
        revoked_at: s.revoked_at,
        state: state_of(s, OffsetDateTime::now_utc()),
        created_by: s.created_by_name.clone(),
        created_at: s.created_at,
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShareBody {
    pub asset_ids: Option<Vec<Uuid>>,
    pub set_id: Option<Uuid>,
    pub title: Option<String>,
    /// `current` (default): the asset's current version, whatever it is when the guest looks;
    /// `pinned`: the current version now, for good.
    pub version: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    pub password: Option<Password>,
    pub permissions: Option<String>,
    pub allow_download: Option<String>,
    #[serde(default)]
    pub show_versions: bool,
    #[serde(default)]
    pub watermark: bool,
}

fn one_of(
    field: &'static str,
    v: Option<&str>,
    allowed: &[&str],
    default: &str,
) -> Result<String, AppError> {
    let v = v.unwrap_or(default);
    if allowed.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(AppError::bad_request(
            "invalid-share",
            format!("{field} is one of {}.", allowed.join(", ")),
        ))
    }
}

fn check_expiry(e: Option<OffsetDateTime>) -> Result<(), AppError> {
    match e {
        Some(t) if t <= OffsetDateTime::now_utc() => Err(AppError::bad_request(
            "invalid-expiry",
            "expires_at must be in the future.",
        )),
        _ => Ok(()),
    }
}

fn check_title(t: &str) -> Result<String, AppError> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > MAX_TITLE || t.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-title",
            format!("A title has 1 to {MAX_TITLE} characters, without control characters."),
        ));
    }
    Ok(t.to_string())
}

async fn hash_password(state: &AppState, p: Password) -> Result<String, AppError> {
    password::validate(&p).map_err(|m| AppError::bad_request("invalid-password", m))?;
    Ok(password::hash(p, state.config.auth.argon2_memory_kib).await?)
}

/// Checks a list of asset ids: 1 to `MAX_ITEMS`, no repeats.
pub fn check_ids(ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() || ids.len() > MAX_ITEMS {
        return Err(AppError::bad_request(
            "invalid-assets",
            format!("Give 1 to {MAX_ITEMS} asset ids."),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|i| seen.insert(*i)) {
        return Err(AppError::bad_request(
            "invalid-assets",
            "An asset is listed twice.",
        ));
    }
    Ok(())
}

/// `POST /api/shares`: the share and its URL (the only time the token is shown).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    b: NewShareBody,
) -> Result<(ShareView, String), AppError> {
    let version_mode = one_of(
        "version",
        b.version.as_deref(),
        &["current", "pinned"],
        "current",
    )?;
    let permissions = one_of("permissions", b.permissions.as_deref(), PERMISSIONS, "view")?;
    let allow_download = one_of(
        "allow_download",
        b.allow_download.as_deref(),
        DOWNLOADS,
        "none",
    )?;
    check_expiry(b.expires_at)?;
    let title = b.title.as_deref().map(check_title).transpose()?;
    let (ids, set) = match (b.asset_ids, b.set_id) {
        (Some(ids), None) => {
            check_ids(&ids)?;
            (ids, None)
        }
        (None, Some(sid)) => {
            let (set, ids) = state
                .db
                .run(move |c| Ok((review_set::find(c, sid)?, review_set::live_assets(c, sid)?)))
                .await?;
            let set = set.ok_or_else(|| AppError::not_found("No review set with this id."))?;
            if ids.is_empty() {
                return Err(AppError::bad_request(
                    "empty-set",
                    "This review set has no assets.",
                ));
            }
            (ids, Some(set))
        }
        _ => {
            return Err(AppError::bad_request(
                "invalid-share",
                "Send asset_ids or set_id (one of them).",
            ));
        }
    };
    let lookup = ids.clone();
    let found = state
        .db
        .run(move |c| {
            lookup
                .iter()
                .map(|id| asset::find_live(c, *id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let mut items = Vec::with_capacity(ids.len());
    let mut first_title = None;
    for (id, a) in ids.iter().zip(found) {
        let a = a.ok_or_else(|| AppError::not_found(format!("No asset with id {id}.")))?;
        if a.current_version_id.is_none() {
            return Err(AppError::conflict(
                "no-version",
                format!("The asset {id} has no version to share yet."),
            ));
        }
        first_title.get_or_insert(a.title.clone());
        let pinned = (version_mode == "pinned")
            .then_some(a.current_version_id)
            .flatten();
        items.push((a.id, pinned));
    }
    let password_hash = match b.password {
        Some(p) => Some(hash_password(state, p).await?),
        None => None,
    };
    let (token, token_hash) = new_token()?;
    let title = title
        .or_else(|| set.as_ref().map(|s| s.name.clone()))
        .or(first_title)
        .unwrap_or_else(|| "Shared".into());
    let new = NewShare {
        id: Uuid::now_v7(),
        token_hash,
        title: title.chars().take(MAX_TITLE).collect(),
        set_id: set.map(|s| s.id),
        version_mode,
        permissions,
        allow_download,
        show_versions: b.show_versions,
        watermark: b.watermark,
        password_hash,
        expires_at: b.expires_at,
        created_by: Some(caller.user.id),
        created_by_name: caller.user.display_name.clone(),
    };
    let entry = Entry::by(caller, "share.create").target("share", new.id);
    let shared = items.clone();
    let row = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let row = rows::insert(c, &new, &items)?;
                let entry = entry.details(serde_json::json!({
                    "asset_ids": items.iter().map(|i| i.0).collect::<Vec<_>>(),
                    "permissions": row.permissions, "allow_download": row.allow_download,
                    "password": row.password_hash.is_some(), "expires_at": row.expires_at.map(|e| e.unix_timestamp()),
                }));
                audit::record_in(c, &entry)?;
                Ok(row)
            })
        })
        .await?;
    download::prepare(state, &row.allow_download, shared).await;
    let url = format!(
        "{}/r/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    Ok((view(&row, ids), url))
}

/// A share and its asset ids; 404 when unknown.
pub async fn find(state: &AppState, id: Uuid) -> Result<(ShareRow, Vec<Uuid>), AppError> {
    let (row, items) = state
        .db
        .run(move |c| Ok((rows::find(c, id)?, rows::items(c, id)?)))
        .await?;
    let row = row.ok_or_else(|| AppError::not_found("No share with this id."))?;
    Ok((row, items.into_iter().map(|i| i.asset_id).collect()))
}

/// `GET /api/shares?asset_id=`.
pub async fn list(state: &AppState, asset_id: Option<Uuid>) -> Result<Vec<ShareView>, AppError> {
    let out = state
        .db
        .run(move |c| {
            let list = rows::list(c, asset_id, MAX_LIST)?;
            list.into_iter()
                .map(|s| {
                    let ids = rows::items(c, s.id)?
                        .into_iter()
                        .map(|i| i.asset_id)
                        .collect();
                    Ok(view(&s, ids))
                })
                .collect::<Result<Vec<_>, diesel::result::Error>>()
        })
        .await?;
    Ok(out)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharePatch {
    pub title: Option<String>,
    pub permissions: Option<String>,
    pub allow_download: Option<String>,
    pub show_versions: Option<bool>,
    pub watermark: Option<bool>,
    /// `null` removes the password.
    #[serde(default, with = "crate::shares::double_option")]
    #[schema(value_type = Option<String>)]
    pub password: Option<Option<Password>>,
    /// `null` removes the expiry.
    #[serde(default, with = "crate::shares::double_option_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
}

pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

pub(crate) mod double_option_time {
    use serde::{Deserialize, Deserializer};
    use time::OffsetDateTime;
    pub fn deserialize<'de, D>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error>
    where
        D: Deserializer<'de>,
    {
        #[derive(Deserialize)]
        struct W(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);
        Option::<W>::deserialize(d).map(|o| Some(o.map(|w| w.0)))
    }
}

/// `PATCH /api/shares/{id}`. A new or removed password locks every guest out until they give
/// the new one.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    p: SharePatch,
) -> Result<ShareView, AppError> {
    let (row, ids) = find(state, id).await?;
    if row.revoked_at.is_some() {
        return Err(AppError::conflict(
            "share-revoked",
            "This link was revoked.",
        ));
    }
    let pick = |f, v: Option<&str>, allowed| v.map(|v| one_of(f, Some(v), allowed, "")).transpose();
    let mut changes = ShareChanges {
        title: p.title.as_deref().map(check_title).transpose()?,
        permissions: pick("permissions", p.permissions.as_deref(), PERMISSIONS)?,
        allow_download: pick("allow_download", p.allow_download.as_deref(), DOWNLOADS)?,
        show_versions: p.show_versions,
        watermark: p.watermark,
        password_hash: None,
        expires_at: p.expires_at,
    };
    if let Some(Some(e)) = p.expires_at {
        check_expiry(Some(e))?;
    }
    let password_changed = p.password.is_some();
    let downloads_changed = changes.allow_download.is_some();
    changes.password_hash = match p.password {
        None => None,
        Some(None) => Some(None),
        Some(Some(pw)) => Some(Some(hash_password(state, pw).await?)),
    };
    let fields: Vec<&str> = [
        ("title", changes.title.is_some()),
        ("permissions", changes.permissions.is_some()),
        ("allow_download", changes.allow_download.is_some()),
        ("show_versions", changes.show_versions.is_some()),
        ("watermark", changes.watermark.is_some()),
        ("password", password_changed),
        ("expires_at", changes.expires_at.is_some()),
    ]
    .into_iter()
    .filter_map(|(f, on)| on.then_some(f))
    .collect();
    if fields.is_empty() {
        return Err(AppError::bad_request(
            "nothing-to-change",
            "Send a field to change.",
        ));
    }
    let entry = Entry::by(caller, "share.update")
        .target("share", id)
        .details(serde_json::json!({ "fields": fields }));
    let row = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let row = rows::update(c, id, &changes)?;
                if password_changed {
                    rows::lock_guests(c, id)?;
                }
                audit::record_in(c, &entry)?;
                Ok(row)
            })
        })
        .await?;
    if downloads_changed {
        let items = state.db.run(move |c| rows::items(c, id)).await?;
        let shared = items.iter().map(|i| (i.asset_id, i.version_id)).collect();
        download::prepare(state, &row.allow_download, shared).await;
    }
    Ok(view(&row, ids))
}

/// `DELETE /api/shares/{id}`: revokes (the row stays for the activity and the audit log).
pub async fn revoke(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    find(state, id).await?;
    let entry = Entry::by(caller, "share.revoke").target("share", id);
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if rows::revoke(c, id)? == 1 {
                    audit::record_in(c, &entry)?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_only_ours_parse() {
        let (t, h) = new_token().unwrap();
        assert_eq!(t.len(), TOKEN_CHARS);
        assert_eq!(token_hash(&t), Some(h));
        assert_ne!(new_token().unwrap().0, t);
        assert!(token_hash("short").is_none());
        assert!(token_hash(&"a".repeat(42)).is_none());
        assert!(token_hash(&format!("{}/", "a".repeat(42))).is_none());
    }
}

//! What one guest request may reach: the link's token gives the share (404 when it is not one,
//! 410 when revoked or expired), the `mm_guest` cookie gives the guest (password given, name
//! and email), and every asset or version asked for must be one the share shows.

use super::token_hash;
use crate::auth::sha256;
use crate::db::models::share::{self as rows, GuestRow, ShareItem, ShareRow};
use crate::db::models::version::{self, Version};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use time::OffsetDateTime;
use uuid::Uuid;

/// The guest's cookie, scoped to the link's path (`/r/<token>`).
pub const COOKIE: &str = "mm_guest";

/// A resolved guest request.
#[derive(Clone, Debug)]
pub struct Access {
    pub share: ShareRow,
    pub items: Vec<ShareItem>,
    pub guest: Option<GuestRow>,
    pub ip: Option<String>,
}

/// Why a link does not open; each has its page and its JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    NotFound,
    Revoked,
    Expired,
}

impl Closed {
    pub fn status(self) -> StatusCode {
        match self {
            Closed::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::GONE,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Closed::NotFound => {
                "This review link is not valid. Check that you copied all of it, or ask the \
                 person who sent it for a new one."
            }
            Closed::Revoked => {
                "This review link was turned off by the studio that sent it. Ask them for a new one."
            }
            Closed::Expired => {
                "This review link has expired. Ask the studio that sent it for a new one."
            }
        }
    }

    pub fn error(self) -> AppError {
        let code = match self {
            Closed::NotFound => "share-not-found",
            Closed::Revoked => "share-revoked",
            Closed::Expired => "share-expired",
        };
        AppError::client(self.status(), code, self.message())
    }
}

/// The share behind `token` and the guest behind `cookie`, or why the link is closed.
pub async fn open(
    state: &AppState,
    token: &str,
    cookie: Option<&str>,
    ip: Option<String>,
) -> Result<Result<Access, Closed>, AppError> {
    let Some(hash) = token_hash(token) else {
        return Ok(Err(Closed::NotFound));
    };
    let secret = cookie.map(|c| sha256(c.as_bytes()).to_vec());
    let found = state
        .db
        .run(move |c| {
            let Some(share) = rows::by_token_hash(c, &hash)? else {
                return Ok(None);
            };
            let items = rows::items(c, share.id)?;
            let guest = match &secret {
                Some(s) => rows::guest_by_secret(c, share.id, s)?,
                None => None,
            };
            Ok(Some((share, items, guest)))
        })
        .await?;
    let Some((share, items, guest)) = found else {
        return Ok(Err(Closed::NotFound));
    };
    match super::state_of(&share, OffsetDateTime::now_utc()) {
        "revoked" => return Ok(Err(Closed::Revoked)),
        "expired" => return Ok(Err(Closed::Expired)),
        _ => {}
    }
    Ok(Ok(Access {
        share,
        items,
        guest,
        ip,
    }))
}

impl Access {
    /// No password, or this guest gave it (since it last changed).
    pub fn unlocked(&self) -> bool {
        self.share.password_hash.is_none() || self.guest.as_ref().is_some_and(|g| g.unlocked)
    }

    /// 401 `password-required` until the password was given.
    pub fn require_unlocked(&self) -> Result<(), AppError> {
        if self.unlocked() {
            Ok(())
        } else {
            Err(AppError::client(
                StatusCode::UNAUTHORIZED,
                "password-required",
                "This link asks for a password first.",
            ))
        }
    }

    pub fn may_comment(&self) -> bool {
        matches!(self.share.permissions.as_str(), "comment" | "approve")
    }

    pub fn may_approve(&self) -> bool {
        self.share.permissions == "approve"
    }

    /// The guest's name and email, given before they comment or decide; 403 without them.
    pub fn identity(&self) -> Result<(&GuestRow, String, String), AppError> {
        let g = self
            .guest
            .as_ref()
            .filter(|g| g.name.is_some() && g.email.is_some());
        let g = g.ok_or_else(|| {
            AppError::client(
                StatusCode::FORBIDDEN,
                "guest-identity-required",
                "Give your name and email first.",
            )
        })?;
        Ok((
            g,
            g.name.clone().unwrap_or_default(),
            g.email.clone().unwrap_or_default(),
        ))
    }

    pub fn item(&self, asset_id: Uuid) -> Result<&ShareItem, AppError> {
        self.items
            .iter()
            .find(|i| i.asset_id == asset_id)
            .ok_or_else(|| AppError::not_found("No such asset in this link."))
    }

    /// The version a guest sees of `asset_id`: `asked` when the share shows every version (or
    /// it is the shared one), else the shared one (pinned, or the asset's current version).
    /// 404 for an asset or version the share does not show.
    pub async fn version(
        &self,
        state: &AppState,
        asset_id: Uuid,
        asked: Option<Uuid>,
    ) -> Result<Version, AppError> {
        let item = self.item(asset_id)?;
        let shared = crate::review::version_of_asset(state, asset_id, item.version_id).await?;
        match asked {
            None => Ok(shared),
            Some(v) if v == shared.id => Ok(shared),
            Some(v) if self.share.show_versions => {
                let found = crate::review::version_of_asset(state, asset_id, Some(v)).await?;
                Ok(found)
            }
            Some(_) => Err(AppError::not_found("No such version in this link.")),
        }
    }

    /// The versions a guest may pick between: every one with `show_versions`, else the shared.
    pub async fn versions(
        &self,
        state: &AppState,
        asset_id: Uuid,
    ) -> Result<Vec<Version>, AppError> {
        let shared = self.version(state, asset_id, None).await?;
        if !self.share.show_versions {
            return Ok(vec![shared]);
        }
        let all = state
            .db
            .run(move |c| version::for_asset(c, asset_id))
            .await?;
        Ok(all)
    }

    /// The version a comment or decision by id belongs to must be one the guest can see.
    pub async fn check_version_id(
        &self,
        state: &AppState,
        version_id: Uuid,
    ) -> Result<Version, AppError> {
        let v = state
            .db
            .run(move |c| version::find(c, version_id))
            .await?
            .ok_or_else(|| AppError::not_found("No such version in this link."))?;
        self.version(state, v.asset_id, Some(v.id)).await
    }

    /// A label for the audit log: who the guest said they are, through which link.
    pub fn actor_label(&self) -> String {
        let who = self
            .guest
            .as_ref()
            .and_then(|g| g.email.clone())
            .unwrap_or_else(|| "anonymous".into());
        format!("guest:{who} (share {})", self.share.id)
    }
}

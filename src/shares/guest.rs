//! The guest's side of a share: who they are (password given, name and email), the assets and
//! versions they may see, and the comments they may read (visibility `everyone` only, without
//! anyone's id or email) and write.

use super::access::Access;
use super::activity;
use crate::auth::password::{self, Password};
use crate::auth::{random_token, sha256};
use crate::db::models::comment::{self, CommentRow, NewComment};
use crate::db::models::share::{self as rows, GuestRow};
use crate::db::models::{asset, version::Version};
use crate::error::AppError;
use crate::review::comments::{self, Clock, CommentView, NewCommentBody};
use crate::review::{CommentList, changes, drawing};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use uuid::Uuid;

/// Guests one link keeps at most (each browser that gave the password or a name is one).
pub const MAX_GUESTS: i64 = 1000;
pub const MAX_NAME: usize = 100;
pub const MAX_EMAIL: usize = 254;

/// A name as kept: trimmed, 1 to 100 characters, no control characters.
pub fn check_name(raw: &str) -> Result<String, AppError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-name",
            format!("Give a name of 1 to {MAX_NAME} characters."),
        ));
    }
    Ok(n.to_string())
}

/// An email as kept (not verified): one `@` between a local part and a dotted domain, no
/// spaces, at most 254 characters.
pub fn check_email(raw: &str) -> Result<String, AppError> {
    let e = raw.trim();
    let bad = || {
        AppError::bad_request(
            "invalid-email",
            "Give an email address like name@example.com.",
        )
    };
    if e.len() > MAX_EMAIL || e.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.contains(['<', '>', '"']);
    if !ok {
        return Err(bad());
    }
    Ok(e.to_string())
}

/// The guest of this request, made (with a new cookie secret) when the browser has none.
async fn guest_of(
    state: &AppState,
    a: &Access,
    unlocked: bool,
) -> Result<(GuestRow, Option<String>), AppError> {
    if let Some(g) = &a.guest {
        return Ok((g.clone(), None));
    }
    let secret = random_token(32)?;
    let hash = sha256(secret.as_bytes()).to_vec();
    let (sid, ip) = (a.share.id, a.ip.clone());
    let g = state
        .db
        .run(move |c| {
            if rows::count_guests(c, sid)? >= MAX_GUESTS {
                return Ok(None);
            }
            rows::insert_guest(c, Uuid::now_v7(), sid, &hash, unlocked, ip.as_deref()).map(Some)
        })
        .await?
        .ok_or_else(|| {
            AppError::client(
                actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                "too-many-guests",
                "This link has had too many visitors; ask the studio for a new one.",
            )
        })?;
    Ok((g, Some(secret)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockBody {
    pub password: Password,
}

/// `POST .../unlock`: checks the password (throttled); a new cookie secret when one is made.
pub async fn unlock(
    state: &AppState,
    a: &Access,
    b: UnlockBody,
) -> Result<Option<String>, AppError> {
    let Some(hash) = a.share.password_hash.clone() else {
        return Ok(None);
    };
    if b.password.expose().is_empty() || b.password.expose().chars().count() > password::MAX_LEN {
        return Err(AppError::bad_request(
            "invalid-password",
            "Give the link's password.",
        ));
    }
    super::throttle::attempt(state, a.share.id, a.ip.as_deref()).await?;
    if !password::verify(b.password, hash).await? {
        super::throttle::failed(state, a.share.id).await;
        return Err(AppError::client(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "wrong-password",
            "That is not this link's password.",
        ));
    }
    super::throttle::succeeded(state, a.share.id, a.ip.as_deref()).await;
    let (g, secret) = guest_of(state, a, true).await?;
    let id = g.id;
    state.db.run(move |c| rows::set_unlocked(c, id)).await?;
    Ok(secret)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct GuestView {
    pub name: String,
    pub email: String,
}

/// `POST .../guest {name, email}`: who the guest says they are (before commenting or deciding).
pub async fn identify(
    state: &AppState,
    a: &Access,
    b: IdentityBody,
) -> Result<(GuestView, Option<String>), AppError> {
    a.require_unlocked()?;
    let name = check_name(&b.name)?;
    let email = check_email(&b.email)?;
    let (g, secret) = guest_of(state, a, a.unlocked()).await?;
    let id = g.id;
    let g = state
        .db
        .run(move |c| rows::set_identity(c, id, &name, &email))
        .await?;
    Ok((
        GuestView {
            name: g.name.unwrap_or_default(),
            email: g.email.unwrap_or_default(),
        },
        secret,
    ))
}

/// One comment as a guest sees it: nobody's id, no mentions, nothing they may change.
fn guest_view(row: &CommentRow, drawing: Option<&Value>, clock: &Clock) -> CommentView {
    let mut v = comments::plain_view(row, drawing, clock);
    v.mentions = Vec::new();
    v.author.id = None;
    if let Some(p) = v.resolved_by.as_mut() {
        p.id = None;
    }
    v
}

/// The comments of `v` a guest may read: visibility `everyone`, threads of those only.
pub fn visible_thread(rows: &[CommentRow], clock: &Clock) -> Vec<CommentView> {
    let open: Vec<&CommentRow> = rows.iter().filter(|r| r.visibility == "everyone").collect();
    let mut replies: HashMap<Uuid, Vec<CommentView>> = HashMap::new();
    for r in open.iter().filter(|r| r.parent_id.is_some()) {
        replies
            .entry(r.parent_id.unwrap_or_default())
            .or_default()
            .push(guest_view(r, None, clock));
    }
    open.iter()
        .filter(|r| r.parent_id.is_none())
        .map(|r| {
            let mut v = guest_view(r, None, clock);
            let mut kids = replies.remove(&r.id).unwrap_or_default();
            kids.sort_by_key(|k| k.created_at);
            v.replies = Some(kids);
            v
        })
        .collect()
}

/// `GET .../assets/{id}/comments?version_id`.
pub async fn list(
    state: &AppState,
    a: &Access,
    asset_id: Uuid,
    version_id: Option<Uuid>,
) -> Result<CommentList, AppError> {
    a.require_unlocked()?;
    let v = a.version(state, asset_id, version_id).await?;
    let clock = Clock::of(&v);
    let vid = v.id;
    let rows = state
        .db
        .run(move |c| comment::for_version(c, vid, comments::MAX_PER_VERSION))
        .await?;
    Ok(CommentList {
        version_id: v.id,
        frame_rate: clock.rate.map(|r| r.to_string()),
        start_timecode: clock
            .rate
            .map_or_else(|| "00:00:00:00".into(), |r| clock.start.label(r)),
        drop_frame: clock.start.drop,
        comments: visible_thread(&rows, &clock),
        // Every comment a guest may read fits one answer (drawings left out: see `one`).
        next: None,
    })
}

/// `POST .../assets/{id}/comments`: a guest's comment (always visible to everyone), announced
/// on the asset's event stream like a team member's.
pub async fn create(
    state: &AppState,
    a: &Access,
    asset_id: Uuid,
    b: NewCommentBody,
) -> Result<CommentView, AppError> {
    a.require_unlocked()?;
    // Another asset's id is unknown here, whatever the link allows.
    a.item(asset_id)?;
    if !a.may_comment() {
        return Err(AppError::forbidden(
            "This link lets you watch, not comment.",
        ));
    }
    let (g, name, _) = a.identity()?;
    let gid = g.id;
    if b.visibility.as_deref().is_some_and(|v| v != "everyone") {
        return Err(AppError::bad_request(
            "invalid-visibility",
            "A guest's comments are visible to everyone.",
        ));
    }
    let body = comments::check_body(&b.body)?;
    let drawing = b.drawing.as_ref().filter(|d| !d.is_null());
    let drawing = drawing.map(drawing::validate).transpose()?;
    let parent = changes::parent_of(state, asset_id, &b, true).await?;
    let asked = parent.as_ref().map(|p| p.version_id).or(b.version_id);
    // The link says which versions the guest sees.
    let v: Version = a.version(state, asset_id, asked).await?;
    let clock = Clock::of(&v);
    let (frame, frame_end) = changes::frames_of(&v, &clock, parent.as_ref(), &b)?;
    let new = NewComment {
        id: Uuid::now_v7(),
        asset_id,
        version_id: v.id,
        parent_id: parent.map(|p| p.id),
        frame,
        frame_end,
        mentions: Vec::new(),
        body,
        drawing,
        visibility: "everyone".into(),
        author_id: None,
        author_name: name,
    };
    let (row, drawing) = changes::insert_capped(state, new, None, Some(gid)).await?;
    let details = serde_json::json!({ "comment_id": row.id, "frame": row.frame });
    activity::record(
        state,
        a,
        "commented",
        Some(asset_id),
        Some(row.version_id),
        details,
    )
    .await?;
    Ok(guest_view(&row, drawing.as_ref(), &clock))
}

/// The asset's title, for page headings and download names.
pub async fn asset_title(state: &AppState, asset_id: Uuid) -> Result<String, AppError> {
    let a = state.db.run(move |c| asset::find_live(c, asset_id)).await?;
    Ok(a.map(|a| a.title).unwrap_or_default())
}

/// `GET .../comments/{id}`: one comment a guest may read, with its drawing; any other id,
/// a team-only or deleted comment, or one on a version the link hides is unknown here.
pub async fn one(state: &AppState, a: &Access, id: Uuid) -> Result<CommentView, AppError> {
    a.require_unlocked()?;
    let unknown = || AppError::not_found("No such comment on this link.");
    let (row, drawing) = state
        .db
        .run(move |c| comment::find(c, id))
        .await?
        .filter(|(r, _)| r.visibility == "everyone" && r.deleted_at.is_none())
        .ok_or_else(unknown)?;
    a.item(row.asset_id).map_err(|_| unknown())?;
    let v = a.version(state, row.asset_id, Some(row.version_id)).await?;
    Ok(guest_view(&row, drawing.as_ref(), &Clock::of(&v)))
}

//! Comments on a version: checking what a client sends (frame, range, body, drawing, parent),
//! the JSON each caller sees (timecodes from the master's start, what the caller may do), and
//! the changes, each announced on the asset's event channel.

pub use super::clock::{Clock, MAX_FRAME};
use super::drawing;
use crate::auth::{Caller, Permission};
use crate::db::models::comment::{self, CommentChanges, CommentRow, NewComment};
use crate::db::models::version::Version;
use crate::error::AppError;
use crate::queue::events::{self, Event};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_BODY: usize = 5000;
/// Comments kept per version: the list is answered whole, so it stays bounded.
pub const MAX_PER_VERSION: i64 = 5000;
const MAX_MENTIONS: usize = 50;
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: Option<Uuid>,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Author {
    pub id: Option<Uuid>,
    pub name: String,
    pub guest: bool,
}

/// A comment as the API answers it (see REVIEW-CONTRACT.md).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub frame: Option<i64>,
    pub frame_end: Option<i64>,
    pub seconds: Option<f64>,
    pub seconds_end: Option<f64>,
    pub timecode: Option<String>,
    pub timecode_end: Option<String>,
    pub body: String,
    pub mentions: Vec<String>,
    pub drawing: Option<Value>,
    pub visibility: String,
    pub resolved: bool,
    pub resolved_by: Option<Person>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub edited: bool,
    pub deleted: bool,
    pub can_edit: bool,
    pub can_delete: bool,
    pub can_resolve: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub replies: Option<Vec<CommentView>>,
}

pub fn view(row: &CommentRow, clock: &Clock, caller: &Caller) -> CommentView {
    let deleted = row.deleted_at.is_some();
    let mine = row.author_id == Some(caller.user.id);
    let write = caller.can(Permission::CommentsWrite);
    CommentView {
        id: row.id,
        asset_id: row.asset_id,
        version_id: row.version_id,
        parent_id: row.parent_id,
        frame: row.frame,
        frame_end: row.frame_end,
        seconds: row.frame.and_then(|f| clock.seconds(f)),
        seconds_end: row.frame_end.and_then(|f| clock.seconds(f)),
        timecode: row.frame.and_then(|f| clock.timecode(f)),
        timecode_end: row.frame_end.and_then(|f| clock.timecode(f)),
        body: if deleted {
            String::new()
        } else {
            row.body.clone()
        },
        mentions: row.mentions.clone(),
        drawing: if deleted { None } else { row.drawing.clone() },
        visibility: row.visibility.clone(),
        resolved: row.resolved_at.is_some(),
        resolved_by: row.resolved_at.map(|_| Person {
            id: row.resolved_by,
            name: row.resolved_by_name.clone().unwrap_or_default(),
        }),
        resolved_at: row.resolved_at,
        author: Author {
            id: row.author_id,
            name: row.author_name.clone(),
            guest: false,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        edited: row.edited,
        deleted,
        can_edit: !deleted && mine && write,
        can_delete: !deleted && ((mine && write) || caller.can(Permission::CommentsModerate)),
        can_resolve: !deleted && write,
        replies: None,
    }
}

/// Top-level comments (filtered by `resolved`) with their replies, in list order.
pub fn thread(
    rows: &[CommentRow],
    clock: &Clock,
    caller: &Caller,
    resolved: Option<bool>,
) -> Vec<CommentView> {
    let mut replies: HashMap<Uuid, Vec<CommentView>> = HashMap::new();
    for r in rows.iter().filter(|r| r.parent_id.is_some()) {
        let mut v = view(r, clock, caller);
        v.replies = None;
        replies
            .entry(r.parent_id.unwrap_or_default())
            .or_default()
            .push(v);
    }
    rows.iter()
        .filter(|r| r.parent_id.is_none())
        .filter(|r| resolved.is_none_or(|want| r.resolved_at.is_some() == want))
        .map(|r| {
            let mut v = view(r, clock, caller);
            let mut kids = replies.remove(&r.id).unwrap_or_default();
            kids.sort_by_key(|k| k.created_at);
            v.replies = Some(kids);
            v
        })
        .collect()
}

/// `@name` words in a body, each once, in order.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in body.match_indices('@') {
        let before = body[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric()) {
            continue; // an e-mail address, not a mention
        }
        let name: String = body[i + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .take(64)
            .collect();
        let name = name.trim_end_matches(['.', '-']).to_string();
        if !name.is_empty() && !out.contains(&name) && out.len() < MAX_MENTIONS {
            out.push(name);
        }
    }
    out
}

/// A body as stored: line ends normalised, control characters other than newline and tab
/// dropped, trimmed; 400 when empty or too long.
pub fn check_body(raw: &str) -> Result<String, AppError> {
    let body: String = raw
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let body = body.trim().to_string();
    if body.is_empty() {
        return Err(AppError::bad_request("empty-body", "Write something."));
    }
    if body.chars().count() > MAX_BODY {
        return Err(AppError::bad_request(
            "body-too-long",
            format!("A comment may have at most {MAX_BODY} characters."),
        ));
    }
    Ok(body)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommentBody {
    pub version_id: Option<Uuid>,
    pub frame: Option<i64>,
    pub frame_end: Option<i64>,
    pub seconds: Option<f64>,
    pub seconds_end: Option<f64>,
    #[serde(default)]
    pub body: String,
    pub drawing: Option<Value>,
    pub visibility: Option<String>,
    pub parent_id: Option<Uuid>,
}

fn bad_frame(m: impl Into<String>) -> AppError {
    AppError::bad_request("invalid-frame", m)
}

/// The frame (and end) a new top-level comment sits at, checked against the version.
pub fn check_frames(
    v: &Version,
    clock: &Clock,
    b: &NewCommentBody,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    let to_frame = |frame: Option<i64>, seconds: Option<f64>| -> Result<Option<i64>, AppError> {
        match (frame, seconds) {
            (Some(f), _) => Ok(Some(f)),
            (None, Some(s)) if s.is_finite() && s >= 0.0 => match clock.rate {
                Some(r) => Ok(Some(r.frame_at(s))),
                None => Err(bad_frame("This version has no frame rate to place a time.")),
            },
            (None, Some(_)) => Err(bad_frame("seconds must be 0 or more.")),
            (None, None) => Ok(None),
        }
    };
    let frame = to_frame(b.frame, b.seconds)?;
    let end = to_frame(b.frame_end, b.seconds_end)?;
    if v.media_type == "image" && (frame.is_some() || end.is_some()) {
        return Err(bad_frame("A comment on an image has no time."));
    }
    for f in [frame, end].into_iter().flatten() {
        if f < 0 {
            return Err(bad_frame("Frames count from 0."));
        }
        if f > MAX_FRAME {
            return Err(bad_frame(format!(
                "Frame {f} is past the longest time a comment can be at."
            )));
        }
        if let Some(last) = clock.last_frame
            && f > last
        {
            return Err(bad_frame(format!(
                "Frame {f} is past the version's last frame ({last})."
            )));
        }
    }
    match (frame, end) {
        (None, Some(_)) => Err(AppError::bad_request(
            "invalid-range",
            "A range needs a start frame.",
        )),
        (Some(s), Some(e)) if e < s => Err(AppError::bad_request(
            "invalid-range",
            "A range cannot end before it starts.",
        )),
        _ => Ok((frame, end)),
    }
}

/// Publishes a comment change on the asset's channel (best effort, like every event).
pub async fn announce(state: &AppState, row: &CommentRow, action: &'static str) {
    let e = Event::Comment {
        action,
        version_id: row.version_id,
        comment_id: row.id,
        parent_id: row.parent_id,
    };
    events::publish(&state.redis, row.asset_id, &e).await;
}

/// `POST /api/assets/{id}/comments`.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    asset_id: Uuid,
    b: NewCommentBody,
) -> Result<CommentView, AppError> {
    let body = check_body(&b.body)?;
    let drawing = b.drawing.as_ref().filter(|d| !d.is_null());
    let drawing = drawing.map(drawing::validate).transpose()?;
    let visibility = b.visibility.clone().unwrap_or_else(|| "team".into());
    if !matches!(visibility.as_str(), "team" | "everyone") {
        return Err(AppError::bad_request(
            "invalid-visibility",
            "visibility is team or everyone.",
        ));
    }
    let parent = match b.parent_id {
        None => None,
        Some(pid) => {
            let p = state.db.run(move |c| comment::find(c, pid)).await?;
            let ok = p.filter(|p| {
                p.asset_id == asset_id
                    && p.parent_id.is_none()
                    && p.deleted_at.is_none()
                    && b.version_id.is_none_or(|v| v == p.version_id)
            });
            Some(ok.ok_or_else(|| {
                AppError::bad_request(
                    "invalid-parent",
                    "Reply to a top-level comment of this asset and version.",
                )
            })?)
        }
    };
    let version_id = parent.as_ref().map(|p| p.version_id).or(b.version_id);
    let v = super::version_of_asset(state, asset_id, version_id).await?;
    let clock = Clock::of(&v);
    // A reply sits where its parent does.
    let (frame, frame_end) = match &parent {
        Some(p) => (p.frame, p.frame_end),
        None => check_frames(&v, &clock, &b)?,
    };
    let new = NewComment {
        id: Uuid::now_v7(),
        asset_id,
        version_id: v.id,
        parent_id: parent.map(|p| p.id),
        frame,
        frame_end,
        mentions: mentions(&body),
        body,
        drawing,
        visibility,
        author_id: Some(caller.user.id),
        author_name: caller.user.display_name.clone(),
    };
    let vid = v.id;
    let row = state
        .db
        .run(move |c| {
            if comment::count_for_version(c, vid)? >= MAX_PER_VERSION {
                return Ok(None);
            }
            comment::insert(c, &new).map(Some)
        })
        .await?
        .ok_or_else(|| {
            AppError::bad_request(
                "too-many-comments",
                format!("A version takes at most {MAX_PER_VERSION} comments."),
            )
        })?;
    announce(state, &row, "created").await;
    super::decisions::on_comment(state, asset_id, row.version_id).await?;
    Ok(view(&row, &clock, caller))
}

/// A comment that is not deleted, on a live asset, with its version's clock.
async fn live_comment(state: &AppState, id: Uuid) -> Result<(CommentRow, Clock), AppError> {
    let row = state
        .db
        .run(move |c| comment::find(c, id))
        .await?
        .filter(|r| r.deleted_at.is_none())
        .ok_or_else(|| AppError::not_found("No comment with this id."))?;
    let v = super::version_of_asset(state, row.asset_id, Some(row.version_id)).await?;
    Ok((row, Clock::of(&v)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentPatch {
    pub body: Option<String>,
    /// `null` removes the drawing.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub drawing: Option<Option<Value>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `PATCH /api/comments/{id}`: the author changes the body or drawing.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    patch: CommentPatch,
) -> Result<CommentView, AppError> {
    let (row, clock) = live_comment(state, id).await?;
    if row.author_id != Some(caller.user.id) {
        return Err(AppError::forbidden("Only its author may edit a comment."));
    }
    let body = patch.body.as_deref().map(check_body).transpose()?;
    let drawing = match patch.drawing {
        None => None,
        Some(None) => Some(None),
        Some(Some(d)) => Some(Some(drawing::validate(&d)?)),
    };
    if body.is_none() && drawing.is_none() {
        return Err(AppError::bad_request(
            "nothing-to-change",
            "Send a body or a drawing.",
        ));
    }
    let changes = CommentChanges {
        mentions: body.as_deref().map(mentions),
        body,
        drawing,
    };
    let row = state
        .db
        .run(move |c| comment::update(c, id, &changes))
        .await?;
    announce(state, &row, "updated").await;
    Ok(view(&row, &clock, caller))
}

/// `DELETE /api/comments/{id}`: soft, by the author or a moderator.
pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    let (row, _) = live_comment(state, id).await?;
    let mine = row.author_id == Some(caller.user.id);
    if !mine && !caller.can(Permission::CommentsModerate) {
        return Err(AppError::forbidden(
            "Only its author, a manager or an admin may delete a comment.",
        ));
    }
    state.db.run(move |c| comment::soft_delete(c, id)).await?;
    announce(state, &row, "deleted").await;
    Ok(())
}

/// `POST /api/comments/{id}/resolve` and `/reopen`.
pub async fn set_resolved(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    resolved: bool,
) -> Result<CommentView, AppError> {
    let (_, clock) = live_comment(state, id).await?;
    let (uid, name) = (caller.user.id, caller.user.display_name.clone());
    let row = state
        .db
        .run(move |c| comment::set_resolved(c, id, resolved.then_some((uid, name.as_str()))))
        .await?;
    announce(state, &row, if resolved { "resolved" } else { "reopened" }).await;
    Ok(view(&row, &clock, caller))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_words_after_at_signs_not_addresses() {
        assert_eq!(
            mentions("@ada please check, cc @grace.h and ada@mm.test @ada."),
            ["ada", "grace.h"]
        );
        assert!(mentions("no one").is_empty());
    }

    #[test]
    fn bodies_are_cleaned_and_bounded() {
        assert_eq!(check_body("  a\r\nb\u{7}  ").unwrap(), "a\nb");
        assert_eq!(check_body(" \n ").unwrap_err().code(), "empty-body");
        assert_eq!(
            check_body(&"x".repeat(5001)).unwrap_err().code(),
            "body-too-long"
        );
    }
}

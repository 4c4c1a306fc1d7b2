//! Comments on a version: checking what a client sends (frame, range, body, parent), and the
//! JSON each caller sees (timecodes from the master's start, what the caller may do). The
//! changes themselves, each announced on the asset's event channel, are in `changes`.

pub use super::changes::{CommentPatch, announce, create, delete, get, set_resolved, update};
pub use super::clock::{Clock, MAX_FRAME};
use crate::auth::{Caller, Permission};
use crate::db::models::comment::CommentRow;
use crate::db::models::version::Version;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_BODY: usize = 5000;
/// Comments kept per version (replies included): exports and the pages of the list stay
/// bounded.
pub const MAX_PER_VERSION: i64 = 5000;
/// Replies one comment takes: a thread is never split across pages of the list, so a page
/// holds at most this many rows more than its limit.
pub const MAX_REPLIES: i64 = 200;
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
    /// Whether the comment has a drawing. Lists leave the drawing out; an answer about one
    /// comment (`GET /api/comments/{id}`, create, edit, resolve) carries it in `drawing`.
    pub has_drawing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
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

/// `row` as `caller` sees it, with `drawing` when it was loaded.
pub fn view(
    row: &CommentRow,
    drawing: Option<&Value>,
    clock: &Clock,
    caller: &Caller,
) -> CommentView {
    let mut v = plain_view(row, drawing, clock);
    let mine = row.author_id == Some(caller.user.id);
    let write = caller.can(Permission::CommentsWrite);
    v.can_edit = !v.deleted && mine && write;
    v.can_delete = !v.deleted && ((mine && write) || caller.can(Permission::CommentsModerate));
    v.can_resolve = !v.deleted && write;
    v
}

/// `row` with nothing the reader may change; callers add what their reader may do (`view`)
/// or take out what a stranger may not see (share links).
pub fn plain_view(row: &CommentRow, drawing: Option<&Value>, clock: &Clock) -> CommentView {
    let deleted = row.deleted_at.is_some();
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
        has_drawing: !deleted && row.has_drawing,
        drawing: drawing.filter(|_| !deleted).cloned(),
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
            guest: row.guest_id.is_some(),
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        edited: row.edited,
        deleted,
        can_edit: false,
        can_delete: false,
        can_resolve: false,
        replies: None,
    }
}

/// Top-level comments, in list order, each with its replies (from `replies`) oldest first.
pub fn thread(
    tops: &[CommentRow],
    replies: &[CommentRow],
    clock: &Clock,
    caller: &Caller,
) -> Vec<CommentView> {
    let mut by_parent: HashMap<Uuid, Vec<CommentView>> = HashMap::new();
    for r in replies {
        let Some(parent) = r.parent_id else { continue };
        by_parent
            .entry(parent)
            .or_default()
            .push(view(r, None, clock, caller));
    }
    let mut replies = by_parent;
    tops.iter()
        .map(|r| {
            let mut v = view(r, None, clock, caller);
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

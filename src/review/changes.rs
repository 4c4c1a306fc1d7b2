//! Changes to comments: create (the parent rule and the per-version and per-thread caps checked
//! under the asset's row lock, in the transaction that inserts; a share link's guest creates
//! through the same `parent_of` and `insert_capped`), edit, soft delete, resolve and reopen,
//! and reading one comment with its drawing. Each change is announced on the asset's channel.

use super::comments::{
    Clock, CommentView, MAX_PER_VERSION, MAX_REPLIES, NewCommentBody, check_body, check_frames,
    mentions, view,
};
use super::drawing;
use crate::auth::{Caller, Permission};
use crate::db::models::asset;
use crate::db::models::comment::{self, CommentChanges, CommentRow, FullComment, NewComment};
use crate::error::AppError;
use crate::events::{self, Event};
use crate::state::AppState;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

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

/// The parent a reply names: a live top-level comment of this asset (on the version asked for,
/// when one is), and for a share link's guest (`everyone_only`) one everyone sees. One rule for
/// the team's replies and the guests'.
pub async fn parent_of(
    state: &AppState,
    asset_id: Uuid,
    b: &NewCommentBody,
    everyone_only: bool,
) -> Result<Option<CommentRow>, AppError> {
    let Some(pid) = b.parent_id else {
        return Ok(None);
    };
    let p = state.db.run(move |c| comment::find(c, pid)).await?;
    let ok = p.map(|(p, _)| p).filter(|p| {
        p.asset_id == asset_id
            && p.parent_id.is_none()
            && p.deleted_at.is_none()
            && (!everyone_only || p.visibility == "everyone")
            && b.version_id.is_none_or(|v| v == p.version_id)
    });
    ok.map(Some).ok_or_else(|| {
        AppError::bad_request(
            "invalid-parent",
            "Reply to a top-level comment of this asset and version.",
        )
    })
}

/// Where a new comment sits on `v`: a reply where its parent does, else the frames asked for.
pub fn frames_of(
    v: &crate::db::models::version::Version,
    clock: &Clock,
    parent: Option<&CommentRow>,
    b: &NewCommentBody,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    match parent {
        Some(p) => Ok((p.frame, p.frame_end)),
        None => check_frames(v, clock, b),
    }
}

/// Inserts `new` counted under the asset's row lock (two comments posted at once cannot both
/// pass the per-version and per-thread caps), with its webhook deliveries and, for a link's
/// guest, the guest it came from, in one transaction; then announces it and updates the
/// version's review. The one insert for the team's comments and the guests'.
pub async fn insert_capped(
    state: &AppState,
    new: NewComment,
    hook: Option<crate::webhooks::Emit>,
    guest: Option<Uuid>,
) -> Result<(CommentRow, Option<Value>), AppError> {
    let (asset_id, vid, parent_id) = (new.asset_id, new.version_id, new.parent_id);
    let hooks = state.config.webhooks.max_attempts;
    let ((row, drawing), deliveries) = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if asset::lock_live(c, asset_id)?.is_none() {
                    return Ok(Err(AppError::not_found("No such asset or version.")));
                }
                if comment::count_for_version(c, vid)? >= MAX_PER_VERSION {
                    return Ok(Err(AppError::bad_request(
                        "too-many-comments",
                        format!("A version takes at most {MAX_PER_VERSION} comments."),
                    )));
                }
                if let Some(p) = parent_id
                    && comment::count_replies(c, p)? >= MAX_REPLIES
                {
                    return Ok(Err(AppError::bad_request(
                        "too-many-replies",
                        format!("A comment takes at most {MAX_REPLIES} replies."),
                    )));
                }
                let (mut row, drawing) = comment::insert(c, &new)?;
                if let Some(g) = guest {
                    crate::db::models::share::mark_comment_guest(c, row.id, g)?;
                    row.guest_id = Some(g);
                }
                let deliveries = match &hook {
                    Some(h) => crate::webhooks::emit(c, hooks, h)?,
                    None => Vec::new(),
                };
                Ok(Ok(((row, drawing), deliveries)))
            })
        })
        .await??;
    crate::queue::deliver(state, &deliveries).await;
    announce(state, &row, "created").await;
    super::decisions::on_comment(state, asset_id, row.version_id).await?;
    Ok((row, drawing))
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
    let parent = parent_of(state, asset_id, &b, false).await?;
    let version_id = parent.as_ref().map(|p| p.version_id).or(b.version_id);
    let v = super::version_of_asset(state, asset_id, version_id).await?;
    let clock = Clock::of(&v);
    let (frame, frame_end) = frames_of(&v, &clock, parent.as_ref(), &b)?;
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
    let hook = crate::webhooks::Emit::new(
        "comment.created",
        asset_id,
        Some(v.id),
        crate::webhooks::Actor::of(caller),
    )
    .with(
        "comment",
        serde_json::json!({
            "id": new.id, "parent_id": new.parent_id, "body": new.body,
            "frame": new.frame, "frame_end": new.frame_end, "visibility": new.visibility,
        }),
    );
    let (row, drawing) = insert_capped(state, new, Some(hook), None).await?;
    Ok(view(&row, drawing.as_ref(), &clock, caller))
}

/// A comment that is not deleted, on a live asset, with its version's clock.
async fn live_comment(state: &AppState, id: Uuid) -> Result<(CommentRow, Clock), AppError> {
    let ((row, _), clock) = comment_on_live_asset(state, id).await?;
    if row.deleted_at.is_some() {
        return Err(AppError::not_found("No comment with this id."));
    }
    Ok((row, clock))
}

/// A comment (deleted ones too) of a live asset, with its drawing and its version's clock.
async fn comment_on_live_asset(
    state: &AppState,
    id: Uuid,
) -> Result<(FullComment, Clock), AppError> {
    let full = state
        .db
        .run(move |c| comment::find(c, id))
        .await?
        .ok_or_else(|| AppError::not_found("No comment with this id."))?;
    let v = super::version_of_asset(state, full.0.asset_id, Some(full.0.version_id)).await?;
    Ok((full, Clock::of(&v)))
}

/// `GET /api/comments/{id}`: one comment with its drawing (a deleted one says so, with neither
/// text nor drawing), without its replies (the list has them).
pub async fn get(state: &AppState, caller: &Caller, id: Uuid) -> Result<CommentView, AppError> {
    let ((row, drawing), clock) = comment_on_live_asset(state, id).await?;
    Ok(view(&row, drawing.as_ref(), &clock, caller))
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
    let (row, drawing) = state
        .db
        .run(move |c| comment::update(c, id, &changes))
        .await?;
    announce(state, &row, "updated").await;
    Ok(view(&row, drawing.as_ref(), &clock, caller))
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
    let (row, drawing) = state
        .db
        .run(move |c| comment::set_resolved(c, id, resolved.then_some((uid, name.as_str()))))
        .await?;
    announce(state, &row, if resolved { "resolved" } else { "reopened" }).await;
    Ok(view(&row, drawing.as_ref(), &clock, caller))
}

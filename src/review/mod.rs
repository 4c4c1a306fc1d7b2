//! Review (#16): comments at exact frames with drawings, reviewers' decisions per version and
//! the review status they lead to, and the comments as markers for editing software.

pub mod clock;
pub mod comments;
pub mod decisions;
pub mod drawing;
pub mod export;
pub mod timecode;

use crate::db::models::{asset, comment, version, version::Version};
use crate::error::AppError;
use crate::state::AppState;
use uuid::Uuid;

/// A live asset's version: the asset's current one when `version_id` is `None`. 404 when the
/// asset is gone or the version belongs to another asset.
pub async fn version_of_asset(
    state: &AppState,
    asset_id: Uuid,
    version_id: Option<Uuid>,
) -> Result<Version, AppError> {
    state
        .db
        .run(move |c| {
            let Some(a) = asset::find_live(c, asset_id)? else {
                return Ok(None);
            };
            let Some(vid) = version_id.or(a.current_version_id) else {
                return Ok(None);
            };
            Ok(version::find(c, vid)?.filter(|v| v.asset_id == asset_id))
        })
        .await?
        .ok_or_else(|| AppError::not_found("No such asset or version."))
}

/// `GET /api/assets/{id}/comments`: the answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CommentList {
    pub version_id: Uuid,
    pub frame_rate: Option<String>,
    pub start_timecode: String,
    pub drop_frame: bool,
    pub comments: Vec<comments::CommentView>,
}

/// A version's comments with their replies, as `caller` sees them.
pub async fn list(
    state: &AppState,
    caller: &crate::auth::Caller,
    asset_id: Uuid,
    version_id: Option<Uuid>,
    resolved: Option<bool>,
) -> Result<CommentList, AppError> {
    let v = version_of_asset(state, asset_id, version_id).await?;
    let clock = comments::Clock::of(&v);
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
        comments: comments::thread(&rows, &clock, caller, resolved),
    })
}

/// `GET /api/assets/{id}/comments/export`: the file's bytes, suffix, content type and name.
pub async fn export(
    state: &AppState,
    asset_id: Uuid,
    version_id: Option<Uuid>,
    format: &str,
) -> Result<(Vec<u8>, &'static str, String), AppError> {
    if !matches!(format, "edl" | "fcpxml" | "csv") {
        return Err(AppError::bad_request(
            "invalid-format",
            "format is edl, fcpxml or csv.",
        ));
    }
    let v = version_of_asset(state, asset_id, version_id).await?;
    let vid = v.id;
    let (a, rows) = state
        .db
        .run(move |c| {
            Ok((
                asset::find_live(c, asset_id)?,
                comment::for_version(c, vid, comments::MAX_PER_VERSION)?,
            ))
        })
        .await?;
    let a = a.ok_or_else(|| AppError::not_found("No asset with this id."))?;
    let sheet = export::Sheet::new(&a.title, comments::Clock::of(&v), &rows);
    let (bytes, suffix, content_type) = export::render(&sheet, format)?;
    // A file name with nothing a header or a file system could trip on.
    let stem: String = a
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let name = format!("{stem}-v{}-comments.{suffix}", v.number);
    Ok((bytes, content_type, name))
}

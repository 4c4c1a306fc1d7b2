//! `GET /api/assets/{id}/comments`: a version's comments a page at a time. A page holds whole
//! threads (a top-level comment with its replies) in list order (frame, comments at no time
//! first, then time) up to `limit` rows, and `next`, the cursor of the page after it (none on
//! the last page). Drawings are not in the list (each comment says `has_drawing`); one comment
//! with its drawing is `GET /api/comments/{id}`. So an answer stays small however many comments
//! and drawings the version has.

use super::comments::{self, Clock, CommentView};
use crate::auth::Caller;
use crate::db::models::comment::{self as model, ListKey};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows (comments and replies) a page holds when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 200;
/// The most rows a caller may ask for in one page. A thread is never split, so a page whose
/// first thread is longer than the limit holds that thread alone (at most 1 + MAX_REPLIES).
pub const MAX_LIMIT: i64 = 500;
/// Longer than any cursor mm writes.
const MAX_CURSOR: usize = 100;

/// The list's query: `version_id`, `resolved`, `limit` and `cursor` (a page's `next`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    pub version_id: Option<Uuid>,
    pub resolved: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// `GET /api/assets/{id}/comments`: the answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CommentList {
    pub version_id: Uuid,
    pub frame_rate: Option<String>,
    pub start_timecode: String,
    pub drop_frame: bool,
    pub comments: Vec<CommentView>,
    /// The `cursor` of the next page; none on the last.
    pub next: Option<String>,
}

/// The cursor after `k`: its frame (`n` for none), time in microseconds and id. Opaque to
/// clients, which only send back what `next` said.
pub fn cursor_of(k: &ListKey) -> String {
    let micros = k.created_at.unix_timestamp_nanos() / 1000;
    let frame = k.frame.map_or_else(|| "n".to_string(), |f| f.to_string());
    format!("{frame}.{micros}.{}", k.id.simple())
}

fn bad_cursor() -> AppError {
    AppError::bad_request(
        "invalid-cursor",
        "cursor must be the `next` of an earlier page of this list.",
    )
}

pub fn parse_cursor(raw: &str) -> Result<ListKey, AppError> {
    if raw.len() > MAX_CURSOR {
        return Err(bad_cursor());
    }
    let mut it = raw.split('.');
    let (Some(f), Some(t), Some(id), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(bad_cursor());
    };
    let frame = match f {
        "n" => None,
        f => Some(
            f.parse::<i64>()
                .ok()
                .filter(|f| *f >= 0)
                .ok_or_else(bad_cursor)?,
        ),
    };
    let micros: i128 = t.parse().map_err(|_| bad_cursor())?;
    let created_at = micros
        .checked_mul(1000)
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .ok_or_else(bad_cursor)?;
    let id = Uuid::try_parse(id).map_err(|_| bad_cursor())?;
    Ok(ListKey {
        frame,
        created_at,
        id,
    })
}

/// How many of `tops` (with `counts` replies each) fill a page of `limit` rows: whole threads,
/// at least one.
pub fn threads_that_fit(tops: &[Uuid], counts: &HashMap<Uuid, i64>, limit: i64) -> usize {
    let mut rows = 0;
    let mut take = 0;
    for id in tops {
        let n = 1 + counts.get(id).copied().unwrap_or(0);
        if take > 0 && rows + n > limit {
            break;
        }
        rows += n;
        take += 1;
    }
    take
}

/// One page of a version's comments with their replies, as `caller` sees them.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    asset_id: Uuid,
    q: ListParams,
) -> Result<CommentList, AppError> {
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(l) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => {
            return Err(AppError::bad_request(
                "invalid-limit",
                format!("limit is from 1 to {MAX_LIMIT}."),
            ));
        }
    };
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let v = super::version_of_asset(state, asset_id, q.version_id).await?;
    let clock = Clock::of(&v);
    let (vid, resolved) = (v.id, q.resolved);
    let (tops, replies, more) = state
        .db
        .run(move |c| {
            // One more than fits tells whether a next page exists.
            let mut tops = model::top_level_after(c, vid, resolved, after, limit + 1)?;
            let ids: Vec<Uuid> = tops.iter().map(|t| t.id).collect();
            let counts: HashMap<Uuid, i64> = model::reply_counts(c, &ids)?.into_iter().collect();
            let take = threads_that_fit(&ids, &counts, limit);
            let more = take < tops.len();
            tops.truncate(take);
            let replies = model::replies_of(c, &ids[..take])?;
            Ok((tops, replies, more))
        })
        .await?;
    let next = tops
        .last()
        .filter(|_| more)
        .map(|t| cursor_of(&ListKey::of(t)));
    Ok(CommentList {
        version_id: v.id,
        frame_rate: clock.rate.map(|r| r.to_string()),
        start_timecode: clock
            .rate
            .map_or_else(|| "00:00:00:00".into(), |r| clock.start.label(r)),
        drop_frame: clock.start.drop,
        comments: comments::thread(&tops, &replies, &clock, caller),
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let k = ListKey {
            frame: Some(1800),
            created_at: OffsetDateTime::from_unix_timestamp_nanos(1_764_000_000_123_456_000)
                .unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(parse_cursor(&cursor_of(&k)).unwrap(), k);
        let none = ListKey { frame: None, ..k };
        assert_eq!(parse_cursor(&cursor_of(&none)).unwrap(), none);
        for junk in [
            "",
            "x",
            "1.2",
            "-1.5.abc",
            "n.5.notauuid",
            "1.2.3.4",
            &"9".repeat(200),
        ] {
            assert_eq!(
                parse_cursor(junk).unwrap_err().code(),
                "invalid-cursor",
                "{junk}"
            );
        }
    }

    #[test]
    fn pages_hold_whole_threads_up_to_the_limit() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let counts = HashMap::from([(ids[1], 2), (ids[3], 9)]);
        // 1 + 3 rows fit in 4; the next thread (1 row) would make 5.
        assert_eq!(threads_that_fit(&ids, &counts, 4), 2);
        assert_eq!(threads_that_fit(&ids, &counts, 5), 3);
        // A first thread longer than the limit comes alone.
        assert_eq!(threads_that_fit(&ids[3..], &counts, 2), 1);
        assert_eq!(threads_that_fit(&[], &counts, 2), 0);
    }
}

//! The `comments` table: notes at a frame of one version, their replies (one level deep),
//! resolve/reopen, edits and soft deletes; lists page through top-level comments by key and
//! leave drawings out (a row says whether it has one).

use crate::db::schema::comments;
use diesel::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// A comment without its drawing (up to 64 KiB), as lists and exports read it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub frame: Option<i64>,
    pub frame_end: Option<i64>,
    pub body: String,
    pub mentions: Vec<String>,
    #[diesel(select_expression = comments::drawing.is_not_null())]
    #[diesel(select_expression_type = diesel::dsl::IsNotNull<comments::drawing>)]
    pub has_drawing: bool,
    pub visibility: String,
    pub author_id: Option<Uuid>,
    pub author_name: String,
    pub resolved_by: Option<Uuid>,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<OffsetDateTime>,
    pub edited: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub deleted_at: Option<OffsetDateTime>,
    /// The share guest who wrote it (`shares`); `None` for team members.
    pub guest_id: Option<Uuid>,
}

/// A comment with its drawing, as answers about one comment carry it.
pub type FullComment = (CommentRow, Option<Value>);

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub frame: Option<i64>,
    pub frame_end: Option<i64>,
    pub body: String,
    pub mentions: Vec<String>,
    pub drawing: Option<Value>,
    pub visibility: String,
    pub author_id: Option<Uuid>,
    pub author_name: String,
}

pub fn insert(conn: &mut PgConnection, new: &NewComment) -> QueryResult<FullComment> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning((CommentRow::as_returning(), comments::drawing))
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<FullComment>> {
    comments::table
        .find(id)
        .select((CommentRow::as_select(), comments::drawing))
        .first(conn)
        .optional()
}

/// Every comment of a version (deleted ones too, so replies keep their parent), by frame
/// then time; at most `limit`.
pub fn for_version(
    conn: &mut PgConnection,
    version_id: Uuid,
    limit: i64,
) -> QueryResult<Vec<CommentRow>> {
    comments::table
        .filter(comments::version_id.eq(version_id))
        .order((
            comments::frame.asc().nulls_first(),
            comments::created_at.asc(),
            comments::id.asc(),
        ))
        .limit(limit)
        .select(CommentRow::as_select())
        .load(conn)
}

/// Where a top-level comment sits in list order: frame (none first), then time, then id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListKey {
    pub frame: Option<i64>,
    pub created_at: OffsetDateTime,
    pub id: Uuid,
}

impl ListKey {
    pub fn of(row: &CommentRow) -> Self {
        Self {
            frame: row.frame,
            created_at: row.created_at,
            id: row.id,
        }
    }
}

/// Top-level comments of a version after `after` in list order (deleted ones too: their
/// replies stay), `resolved` filtering, at most `limit`.
pub fn top_level_after(
    conn: &mut PgConnection,
    version_id: Uuid,
    resolved: Option<bool>,
    after: Option<ListKey>,
    limit: i64,
) -> QueryResult<Vec<CommentRow>> {
    let mut q = comments::table
        .filter(comments::version_id.eq(version_id))
        .filter(comments::parent_id.is_null())
        .into_boxed();
    match resolved {
        Some(true) => q = q.filter(comments::resolved_at.is_not_null()),
        Some(false) => q = q.filter(comments::resolved_at.is_null()),
        None => {}
    }
    if let Some(k) = after {
        let later_same_frame = comments::created_at
            .gt(k.created_at)
            .or(comments::created_at
                .eq(k.created_at)
                .and(comments::id.gt(k.id)));
        q = match k.frame {
            // Frames sort after the comments at no time.
            None => q.filter(
                comments::frame
                    .is_not_null()
                    .or(comments::frame.is_null().and(later_same_frame)),
            ),
            Some(f) => q.filter(
                comments::frame
                    .gt(f)
                    .or(comments::frame.eq(f).and(later_same_frame)),
            ),
        };
    }
    q.order((
        comments::frame.asc().nulls_first(),
        comments::created_at.asc(),
        comments::id.asc(),
    ))
    .limit(limit)
    .select(CommentRow::as_select())
    .load(conn)
}

/// How many replies each of `parents` has (parents without replies are left out).
pub fn reply_counts(conn: &mut PgConnection, parents: &[Uuid]) -> QueryResult<Vec<(Uuid, i64)>> {
    let rows: Vec<(Option<Uuid>, i64)> = comments::table
        .filter(comments::parent_id.eq_any(parents))
        .group_by(comments::parent_id)
        .select((comments::parent_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, n)| Some((p?, n)))
        .collect())
}

/// The replies of `parents`, oldest first.
pub fn replies_of(conn: &mut PgConnection, parents: &[Uuid]) -> QueryResult<Vec<CommentRow>> {
    comments::table
        .filter(comments::parent_id.eq_any(parents))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(CommentRow::as_select())
        .load(conn)
}

pub fn count_for_version(conn: &mut PgConnection, version_id: Uuid) -> QueryResult<i64> {
    comments::table
        .filter(comments::version_id.eq(version_id))
        .count()
        .get_result(conn)
}

pub fn count_replies(conn: &mut PgConnection, parent_id: Uuid) -> QueryResult<i64> {
    comments::table
        .filter(comments::parent_id.eq(parent_id))
        .count()
        .get_result(conn)
}

/// New body (and its mentions) and/or drawing; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = comments)]
pub struct CommentChanges {
    pub body: Option<String>,
    pub mentions: Option<Vec<String>>,
    pub drawing: Option<Option<Value>>,
}

pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &CommentChanges,
) -> QueryResult<FullComment> {
    diesel::update(
        comments::table
            .find(id)
            .filter(comments::deleted_at.is_null()),
    )
    .set((
        changes,
        comments::edited.eq(true),
        comments::updated_at.eq(diesel::dsl::now),
    ))
    .returning((CommentRow::as_returning(), comments::drawing))
    .get_result(conn)
}

/// Resolves (with who did it) or reopens (`by` = None).
pub fn set_resolved(
    conn: &mut PgConnection,
    id: Uuid,
    by: Option<(Uuid, &str)>,
) -> QueryResult<FullComment> {
    let at = by.map(|_| OffsetDateTime::now_utc());
    diesel::update(
        comments::table
            .find(id)
            .filter(comments::deleted_at.is_null()),
    )
    .set((
        comments::resolved_by.eq(by.map(|b| b.0)),
        comments::resolved_by_name.eq(by.map(|b| b.1)),
        comments::resolved_at.eq(at),
        comments::updated_at.eq(diesel::dsl::now),
    ))
    .returning((CommentRow::as_returning(), comments::drawing))
    .get_result(conn)
}

/// Soft delete: the text and drawing go, the row stays so replies keep their parent.
pub fn soft_delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        comments::table
            .find(id)
            .filter(comments::deleted_at.is_null()),
    )
    .set((
        comments::body.eq(""),
        comments::mentions.eq(Vec::<String>::new()),
        comments::drawing.eq(None::<Value>),
        comments::deleted_at.eq(diesel::dsl::now),
        comments::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

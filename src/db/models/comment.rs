//! The `comments` table: notes at a frame of one version, their replies (one level deep),
//! resolve/reopen, edits and soft deletes.

use crate::db::schema::comments;
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

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
    pub drawing: Option<serde_json::Value>,
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
    pub drawing: Option<serde_json::Value>,
    pub visibility: String,
    pub author_id: Option<Uuid>,
    pub author_name: String,
}

pub fn insert(conn: &mut PgConnection, new: &NewComment) -> QueryResult<CommentRow> {
    diesel::insert_into(comments::table)
        .values(new)
        .returning(CommentRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<CommentRow>> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
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

pub fn count_for_version(conn: &mut PgConnection, version_id: Uuid) -> QueryResult<i64> {
    comments::table
        .filter(comments::version_id.eq(version_id))
        .count()
        .get_result(conn)
}

/// New body (and its mentions) and/or drawing; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = comments)]
pub struct CommentChanges {
    pub body: Option<String>,
    pub mentions: Option<Vec<String>>,
    pub drawing: Option<Option<serde_json::Value>>,
}

pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &CommentChanges,
) -> QueryResult<CommentRow> {
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
    .returning(CommentRow::as_returning())
    .get_result(conn)
}

/// Resolves (with who did it) or reopens (`by` = None).
pub fn set_resolved(
    conn: &mut PgConnection,
    id: Uuid,
    by: Option<(Uuid, &str)>,
) -> QueryResult<CommentRow> {
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
    .returning(CommentRow::as_returning())
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
        comments::drawing.eq(None::<serde_json::Value>),
        comments::deleted_at.eq(diesel::dsl::now),
        comments::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

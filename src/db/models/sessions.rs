//! The `sessions` table: one row per signed-in browser, keyed by SHA-256 of the cookie secret.

use crate::db::models::users::User;
use crate::db::schema::{sessions, users};
use diesel::prelude::*;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: Vec<u8>,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a [u8],
    pub user_id: Uuid,
    pub csrf_token: &'a str,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub fn insert(c: &mut PgConnection, new: &NewSession<'_>) -> QueryResult<Session> {
    diesel::insert_into(sessions::table)
        .values(new)
        .returning(Session::as_returning())
        .get_result(c)
}

/// The live session with this id and its user: not past its absolute expiry, and seen within
/// `idle`. The caller still checks that the user is active.
pub fn find_live(
    c: &mut PgConnection,
    id: &[u8],
    idle: Duration,
) -> QueryResult<Option<(Session, User)>> {
    let now = OffsetDateTime::now_utc();
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .select((Session::as_select(), User::as_select()))
        .first(c)
        .optional()
}

/// Records activity, at most once per `every`, so reads do not each cost a write.
pub fn touch(c: &mut PgConnection, id: &[u8], every: Duration) -> QueryResult<usize> {
    let now = OffsetDateTime::now_utc();
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::last_seen_at.lt(now - every)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(c)
}

pub fn delete(c: &mut PgConnection, id: &[u8]) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::id.eq(id))).execute(c)
}

pub fn delete_for_user(c: &mut PgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(c)
}

/// Removes sessions that can no longer be used (past either expiry).
pub fn purge_expired(c: &mut PgConnection, idle: Duration) -> QueryResult<usize> {
    let now = OffsetDateTime::now_utc();
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(now - idle)),
        ),
    )
    .execute(c)
}

//! The `api_tokens` table: personal tokens for scripts, found by their public prefix and
//! verified against the stored SHA-256 of their secret.

use crate::db::models::users::User;
use crate::db::schema::{api_tokens, users};
use diesel::prelude::*;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub scopes: Vec<String>,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub scopes: Vec<String>,
    pub expires_at: OffsetDateTime,
}

pub fn insert(c: &mut PgConnection, new: &NewApiToken<'_>) -> QueryResult<ApiToken> {
    diesel::insert_into(api_tokens::table)
        .values(new)
        .returning(ApiToken::as_returning())
        .get_result(c)
}

/// The token with this prefix and its owner, revoked or not; the caller decides.
pub fn find_by_prefix(c: &mut PgConnection, prefix: &str) -> QueryResult<Option<(ApiToken, User)>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::prefix.eq(prefix))
        .select((ApiToken::as_select(), User::as_select()))
        .first(c)
        .optional()
}

/// A user's tokens that are not revoked, newest first (expired ones included, marked by date).
pub fn list_for_user(c: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .filter(api_tokens::revoked_at.is_null())
        .order((api_tokens::created_at.desc(), api_tokens::id.desc()))
        .select(ApiToken::as_select())
        .load(c)
}

pub fn find(c: &mut PgConnection, id: Uuid) -> QueryResult<Option<ApiToken>> {
    api_tokens::table
        .find(id)
        .select(ApiToken::as_select())
        .first(c)
        .optional()
}

/// Revokes one token; returns whether it was live.
pub fn revoke(c: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(c)
    .map(|n| n > 0)
}

pub fn revoke_all_for_user(c: &mut PgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(c)
}

/// Records use, at most once per `every`.
pub fn touch_used(c: &mut PgConnection, id: Uuid, every: Duration) -> QueryResult<usize> {
    let now = OffsetDateTime::now_utc();
    diesel::update(
        api_tokens::table.find(id).filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.lt(now - every)),
        ),
    )
    .set(api_tokens::last_used_at.eq(now))
    .execute(c)
}

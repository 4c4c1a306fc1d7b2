//! The `users` table: accounts, their role and status, and the text mapping of both enums.

use crate::db::schema::users;
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;
use uuid::Uuid;

/// A user's role, stored as lower-case text; what each may do is `auth`'s permission table.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Editor,
    Viewer,
}

impl Role {
    pub const ALL: &'static [Role] = &[Role::Admin, Role::Manager, Role::Editor, Role::Viewer];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown role {s:?}: expected admin, manager, editor or viewer"))
    }
}

/// Whether an account may sign in.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

impl FromStr for UserStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(format!(
                "unknown status {other:?}: expected active or disabled"
            )),
        }
    }
}

#[derive(Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_login_at: Option<OffsetDateTime>,
}

/// Leaves the password hash out, so a logged `Caller` never carries it.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: &'a str,
}

pub fn insert(c: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(c)
}

pub fn find(c: &mut PgConnection, id: Uuid) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(c)
}

/// `email` must already be normalized (see `auth::service::normalize_email`).
pub fn find_by_email(c: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(c)
        .optional()
}

pub fn list(c: &mut PgConnection) -> QueryResult<Vec<User>> {
    users::table
        .order((users::created_at.asc(), users::id.asc()))
        .select(User::as_select())
        .load(c)
}

pub fn count(c: &mut PgConnection) -> QueryResult<i64> {
    users::table.count().get_result(c)
}

/// Active admins, locked `FOR UPDATE` so two concurrent demotions cannot both pass the
/// "at least one admin stays" check.
pub fn lock_active_admins(c: &mut PgConnection) -> QueryResult<Vec<Uuid>> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::status.eq(UserStatus::Active))
        .select(users::id)
        .for_update()
        .load(c)
}

pub fn set_role_status(
    c: &mut PgConnection,
    id: Uuid,
    role: Role,
    status: UserStatus,
) -> QueryResult<User> {
    diesel::update(users::table.find(id))
        .set((
            users::role.eq(role),
            users::status.eq(status),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(User::as_returning())
        .get_result(c)
}

pub fn set_password_hash(c: &mut PgConnection, id: Uuid, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
}

pub fn touch_login(c: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(diesel::dsl::now))
        .execute(c)
}

/// Serializes first-run setup: taken inside a transaction, released at its end.
pub fn lock_setup(c: &mut PgConnection) -> QueryResult<()> {
    // An arbitrary constant shared by every mm process: "first admin setup".
    diesel::sql_query("SELECT pg_advisory_xact_lock(7274001)")
        .execute(c)
        .map(|_| ())
}

impl ToSql<Text, Pg> for Role {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for Role {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(s.parse()?)
    }
}

impl ToSql<Text, Pg> for UserStatus {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for UserStatus {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(s.parse()?)
    }
}

//! The `shares`, `share_items`, `share_guests` and `share_activity` tables: links for guests
//! without an account, what each shows, who opened it, and what they did there.

use crate::db::schema::{share_activity, share_guests, share_items, shares};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = shares)]
pub struct ShareRow {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub title: String,
    pub set_id: Option<Uuid>,
    pub version_mode: String,
    pub permissions: String,
    pub allow_download: String,
    pub show_versions: bool,
    pub watermark: bool,
    pub password_hash: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = shares)]
pub struct NewShare {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub title: String,
    pub set_id: Option<Uuid>,
    pub version_mode: String,
    pub permissions: String,
    pub allow_download: String,
    pub show_versions: bool,
    pub watermark: bool,
    pub password_hash: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = share_items)]
pub struct ShareItem {
    pub share_id: Uuid,
    pub asset_id: Uuid,
    pub position: i32,
    pub version_id: Option<Uuid>,
}

/// Creates a share with its items (asset, pinned version) in order.
pub fn insert(
    conn: &mut PgConnection,
    new: &NewShare,
    items: &[(Uuid, Option<Uuid>)],
) -> QueryResult<ShareRow> {
    let row = diesel::insert_into(shares::table)
        .values(new)
        .returning(ShareRow::as_returning())
        .get_result(conn)?;
    let rows: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, (a, v))| {
            (
                share_items::share_id.eq(new.id),
                share_items::asset_id.eq(*a),
                share_items::position.eq(i as i32),
                share_items::version_id.eq(*v),
            )
        })
        .collect();
    diesel::insert_into(share_items::table)
        .values(rows)
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ShareRow>> {
    shares::table
        .find(id)
        .select(ShareRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_token_hash(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<Option<ShareRow>> {
    shares::table
        .filter(shares::token_hash.eq(hash))
        .select(ShareRow::as_select())
        .first(conn)
        .optional()
}

pub fn items(conn: &mut PgConnection, share_id: Uuid) -> QueryResult<Vec<ShareItem>> {
    share_items::table
        .filter(share_items::share_id.eq(share_id))
        .order(share_items::position.asc())
        .select(ShareItem::as_select())
        .load(conn)
}

/// Shares newest first, those showing `asset_id` only when given; at most `limit`.
pub fn list(
    conn: &mut PgConnection,
    asset_id: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ShareRow>> {
    let mut q = shares::table.into_boxed();
    if let Some(a) = asset_id {
        q = q.filter(
            shares::id.eq_any(
                share_items::table
                    .filter(share_items::asset_id.eq(a))
                    .select(share_items::share_id),
            ),
        );
    }
    q.order((shares::created_at.desc(), shares::id.desc()))
        .limit(limit)
        .select(ShareRow::as_select())
        .load(conn)
}

/// What PATCH changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = shares)]
pub struct ShareChanges {
    pub title: Option<String>,
    pub permissions: Option<String>,
    pub allow_download: Option<String>,
    pub show_versions: Option<bool>,
    pub watermark: Option<bool>,
    pub password_hash: Option<Option<String>>,
    pub expires_at: Option<Option<OffsetDateTime>>,
}

pub fn update(conn: &mut PgConnection, id: Uuid, c: &ShareChanges) -> QueryResult<ShareRow> {
    diesel::update(shares::table.find(id))
        .set((c, shares::updated_at.eq(diesel::dsl::now)))
        .returning(ShareRow::as_returning())
        .get_result(conn)
}

/// Every guest of the share must give the (new) password again.
pub fn lock_guests(conn: &mut PgConnection, share_id: Uuid) -> QueryResult<usize> {
    diesel::update(share_guests::table.filter(share_guests::share_id.eq(share_id)))
        .set(share_guests::unlocked.eq(false))
        .execute(conn)
}

pub fn revoke(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(shares::table.find(id).filter(shares::revoked_at.is_null()))
        .set((
            shares::revoked_at.eq(diesel::dsl::now),
            shares::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = share_guests)]
pub struct GuestRow {
    pub id: Uuid,
    pub share_id: Uuid,
    pub secret_hash: Vec<u8>,
    pub unlocked: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

pub fn guest_by_secret(
    conn: &mut PgConnection,
    share_id: Uuid,
    hash: &[u8],
) -> QueryResult<Option<GuestRow>> {
    share_guests::table
        .filter(share_guests::secret_hash.eq(hash))
        .filter(share_guests::share_id.eq(share_id))
        .select(GuestRow::as_select())
        .first(conn)
        .optional()
}

pub fn count_guests(conn: &mut PgConnection, share_id: Uuid) -> QueryResult<i64> {
    share_guests::table
        .filter(share_guests::share_id.eq(share_id))
        .count()
        .get_result(conn)
}

pub fn insert_guest(
    conn: &mut PgConnection,
    id: Uuid,
    share_id: Uuid,
    hash: &[u8],
    unlocked: bool,
    ip: Option<&str>,
) -> QueryResult<GuestRow> {
    diesel::insert_into(share_guests::table)
        .values((
            share_guests::id.eq(id),
            share_guests::share_id.eq(share_id),
            share_guests::secret_hash.eq(hash),
            share_guests::unlocked.eq(unlocked),
            share_guests::ip.eq(ip),
        ))
        .returning(GuestRow::as_returning())
        .get_result(conn)
}

pub fn set_unlocked(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(share_guests::table.find(id))
        .set((
            share_guests::unlocked.eq(true),
            share_guests::last_seen_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn set_identity(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    email: &str,
) -> QueryResult<GuestRow> {
    diesel::update(share_guests::table.find(id))
        .set((
            share_guests::name.eq(name),
            share_guests::email.eq(email),
            share_guests::last_seen_at.eq(diesel::dsl::now),
        ))
        .returning(GuestRow::as_returning())
        .get_result(conn)
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = share_activity)]
pub struct NewActivity {
    pub share_id: Uuid,
    pub guest_id: Option<Uuid>,
    pub guest_name: Option<String>,
    pub guest_email: Option<String>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub action: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = share_activity)]
pub struct ActivityRow {
    pub id: i64,
    pub share_id: Uuid,
    pub guest_id: Option<Uuid>,
    pub guest_name: Option<String>,
    pub guest_email: Option<String>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub action: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
    pub at: OffsetDateTime,
}

pub fn record(conn: &mut PgConnection, new: &NewActivity) -> QueryResult<()> {
    diesel::insert_into(share_activity::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// A share's activity newest first, at most `limit`.
pub fn activity(
    conn: &mut PgConnection,
    share_id: Uuid,
    limit: i64,
) -> QueryResult<Vec<ActivityRow>> {
    share_activity::table
        .filter(share_activity::share_id.eq(share_id))
        .order((share_activity::at.desc(), share_activity::id.desc()))
        .limit(limit)
        .select(ActivityRow::as_select())
        .load(conn)
}

/// Links a comment to the guest who wrote it.
pub fn mark_comment_guest(
    conn: &mut PgConnection,
    comment_id: Uuid,
    guest_id: Uuid,
) -> QueryResult<usize> {
    use crate::db::schema::comments;
    diesel::update(comments::table.find(comment_id))
        .set(comments::guest_id.eq(guest_id))
        .execute(conn)
}

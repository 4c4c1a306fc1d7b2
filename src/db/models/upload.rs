//! The `uploads` table: one upload session from `POST /api/uploads` (or the old presign)
//! until it is completed, aborted or swept.

use crate::db::schema::uploads;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text, Uuid as SqlUuid};
use time::OffsetDateTime;
use uuid::Uuid;

/// A `complete` call older than this is presumed dead and may be taken over.
pub const COMPLETE_LEASE_SECS: f64 = 600.0;

#[derive(Clone, Debug, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = uploads)]
pub struct Upload {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub kind: String,
    pub state: String,
    pub filename: String,
    pub original_filename: String,
    pub content_type: String,
    pub media_type: String,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub staging_key: String,
    pub storage_upload_id: Option<String>,
    pub part_size: Option<i64>,
    pub part_count: Option<i32>,
    pub target_asset_id: Option<Uuid>,
    pub title: Option<String>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub error: Option<String>,
    pub completing_since: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub last_activity_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUpload {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub kind: String,
    pub filename: String,
    pub original_filename: String,
    pub content_type: String,
    pub media_type: String,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub staging_key: String,
    pub storage_upload_id: Option<String>,
    pub part_size: Option<i64>,
    pub part_count: Option<i32>,
    pub target_asset_id: Option<Uuid>,
    pub title: Option<String>,
}

pub fn insert(conn: &mut PgConnection, new: &NewUpload) -> QueryResult<Upload> {
    diesel::insert_into(uploads::table)
        .values(new)
        .returning(Upload::as_returning())
        .get_result(conn)
}

/// The upload, if it exists and (when `owner` is given) belongs to `owner`: someone else's
/// upload is as invisible as a missing one.
pub fn find_for(
    conn: &mut PgConnection,
    id: Uuid,
    owner: Option<Uuid>,
) -> QueryResult<Option<Upload>> {
    let mut q = uploads::table.filter(uploads::id.eq(id)).into_boxed();
    if let Some(o) = owner {
        q = q.filter(uploads::owner_id.eq(o));
    }
    q.select(Upload::as_select()).first(conn).optional()
}

pub fn find_by_staging_key(conn: &mut PgConnection, key: &str) -> QueryResult<Option<Upload>> {
    uploads::table
        .filter(uploads::staging_key.eq(key))
        .select(Upload::as_select())
        .first(conn)
        .optional()
}

/// Records activity, which keeps the sweeper away.
pub fn touch(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(uploads::table.find(id))
        .set(uploads::last_activity_at.eq(diesel::dsl::now))
        .execute(conn)
        .map(|_| ())
}

/// Takes the completion lease: only one `complete` works on an upload at a time.
pub fn begin_complete(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Upload>> {
    diesel::sql_query(
        "UPDATE uploads SET completing_since = now(), last_activity_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'uploading' AND (completing_since IS NULL \
           OR completing_since < now() - make_interval(secs => $2)) RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Double, _>(COMPLETE_LEASE_SECS)
    .get_result(conn)
    .optional()
}

/// Gives the lease back after a refused `complete`, leaving the upload as it was.
pub fn end_complete(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::state.eq("uploading")),
    )
    .set(uploads::completing_since.eq(None::<OffsetDateTime>))
    .execute(conn)
    .map(|_| ())
}

/// Records what `complete` created; part of the transaction that creates it.
pub fn mark_completed(
    conn: &mut PgConnection,
    id: Uuid,
    asset_id: Uuid,
    version_id: Uuid,
    job_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::state.eq("uploading")),
    )
    .set((
        uploads::state.eq("completed"),
        uploads::asset_id.eq(asset_id),
        uploads::version_id.eq(version_id),
        uploads::job_id.eq(job_id),
        uploads::completing_since.eq(None::<OffsetDateTime>),
        uploads::completed_at.eq(diesel::dsl::now),
        uploads::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
}

/// Moves an upload that is still uploading (and not being completed) to `state`.
pub fn finish(
    conn: &mut PgConnection,
    id: Uuid,
    state: &'static str,
    error: Option<&str>,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE uploads SET state = $2, error = $3, updated_at = now() \
         WHERE id = $1 AND state IN ('uploading', 'expiring') AND (completing_since IS NULL \
           OR completing_since < now() - make_interval(secs => $4))",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(state)
    .bind::<diesel::sql_types::Nullable<Text>, _>(error)
    .bind::<Double, _>(COMPLETE_LEASE_SECS)
    .execute(conn)
    .map(|n| n == 1)
}

/// Sweeper: uploads idle longer than `ttl_secs` (and expiries a crashed sweeper left half
/// done) become `expiring`, taken with SKIP LOCKED so two sweepers never share one.
pub fn claim_idle(conn: &mut PgConnection, ttl_secs: f64, limit: i64) -> QueryResult<Vec<Upload>> {
    diesel::sql_query(
        "WITH idle AS ( \
           SELECT id FROM uploads WHERE \
             (state = 'uploading' AND last_activity_at < now() - make_interval(secs => $1) \
               AND (completing_since IS NULL OR completing_since < now() - make_interval(secs => $3))) \
             OR (state = 'expiring' AND updated_at < now() - make_interval(secs => $3)) \
           ORDER BY last_activity_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE uploads u SET state = 'expiring', updated_at = now() FROM idle \
         WHERE u.id = idle.id RETURNING u.*",
    )
    .bind::<Double, _>(ttl_secs)
    .bind::<BigInt, _>(limit)
    .bind::<Double, _>(COMPLETE_LEASE_SECS)
    .load(conn)
}

/// The checksum the old promote contract declares late, before completing.
pub fn set_sha256(conn: &mut PgConnection, id: Uuid, sha256: &str) -> QueryResult<()> {
    diesel::update(
        uploads::table
            .find(id)
            .filter(uploads::state.eq("uploading")),
    )
    .set(uploads::sha256.eq(sha256))
    .execute(conn)
    .map(|_| ())
}

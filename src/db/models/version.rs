//! The `asset_versions` table: each uploaded master of an asset, its place in masters, its
//! checksum, retention and status. A status change of the asset's current version is copied
//! to the asset in the same statement, so the library filters on an indexed column.

use crate::db::schema::{asset_versions, assets};
use crate::status::VersionStatus;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Timestamptz, Uuid as SqlUuid};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = asset_versions)]
pub struct Version {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub number: i32,
    pub upload_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256_declared: Option<String>,
    pub sha256: Option<String>,
    pub staging_key: String,
    pub master_key: String,
    pub status: VersionStatus,
    pub error: Option<String>,
    pub lock_mode: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retain_until: Option<OffsetDateTime>,
    pub technical: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub stored_at: Option<OffsetDateTime>,
    /// Which audio tracks make the preview's stereo (`pair:1,2`); none until the preview
    /// job has chosen the default for the master's layout.
    pub audio_mapping: Option<String>,
    /// none, in_review, approved or changes_requested (see `review::decisions`).
    pub review_status: String,
    /// How the published preview's picture was made (`media::color::ColorRecord`), as its
    /// manifest records it; none before the first preview and for audio.
    pub preview_color: Option<serde_json::Value>,
    /// When the preview first played while still being made (`status::VersionStatus::playable`
    /// says what people see of it); none before, and cleared when a preview run starts.
    #[serde(with = "time::serde::rfc3339::option")]
    pub playable_at: Option<OffsetDateTime>,
}

impl Version {
    /// Whether Object Lock still forbids deleting the master.
    pub fn is_retained(&self, now: OffsetDateTime) -> bool {
        self.retain_until.is_some_and(|t| t > now)
    }
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = asset_versions)]
pub struct NewVersion {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub number: i32,
    pub upload_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256_declared: Option<String>,
    pub staging_key: String,
    pub master_key: String,
    pub status: VersionStatus,
}

pub fn insert(conn: &mut PgConnection, new: &NewVersion) -> QueryResult<()> {
    diesel::insert_into(asset_versions::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Version>> {
    asset_versions::table
        .find(id)
        .select(Version::as_select())
        .first(conn)
        .optional()
}

/// Every version of an asset, newest first.
pub fn for_asset(conn: &mut PgConnection, asset_id: Uuid) -> QueryResult<Vec<Version>> {
    asset_versions::table
        .filter(asset_versions::asset_id.eq(asset_id))
        .order(asset_versions::number.desc())
        .select(Version::as_select())
        .load(conn)
}

/// Sets a version's status and error (a reason in words, or `None`) and, when it is the
/// asset's current version, the asset's status too. `from` limits the change to versions in
/// one of those statuses; returns whether the version changed.
pub fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    from: &[VersionStatus],
    status: VersionStatus,
    error: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        asset_versions::table
            .find(id)
            .filter(asset_versions::status.eq_any(from)),
    )
    .set((
        asset_versions::status.eq(status),
        asset_versions::error.eq(error),
        asset_versions::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)?;
    if changed == 1 {
        diesel::update(assets::table.filter(assets::current_version_id.eq(id)))
            .set((
                assets::status.eq(status),
                assets::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Promotion verified the master: record its checksum and retention and mark it `stored`.
/// Returns false when the version was not `promoting` (a repeated job).
pub fn mark_stored(
    conn: &mut PgConnection,
    id: Uuid,
    sha256: &str,
    lock_mode: Option<&str>,
    retain_until: Option<OffsetDateTime>,
) -> QueryResult<bool> {
    let changed = diesel::sql_query(
        "UPDATE asset_versions SET status = 'stored', error = NULL, sha256 = $2, lock_mode = $3, \
         retain_until = $4, stored_at = now(), updated_at = now() \
         WHERE id = $1 AND status = 'promoting'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(sha256)
    .bind::<Nullable<Text>, _>(lock_mode)
    .bind::<Nullable<Timestamptz>, _>(retain_until)
    .execute(conn)?;
    if changed == 1 {
        diesel::update(assets::table.filter(assets::current_version_id.eq(id)))
            .set((
                assets::status.eq(VersionStatus::Stored),
                assets::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Records the checksum promotion measured, whatever the outcome.
pub fn set_sha256(conn: &mut PgConnection, id: Uuid, sha256: &str) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(id))
        .set(asset_versions::sha256.eq(sha256))
        .execute(conn)
        .map(|_| ())
}

/// Records the audio mapping the preview is (or is to be) made with.
pub fn set_audio_mapping(conn: &mut PgConnection, id: Uuid, mapping: &str) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(id))
        .set((
            asset_versions::audio_mapping.eq(mapping),
            asset_versions::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The preview of a version being processed plays from now on (its early master playlist is
/// published). Returns false when the version is no longer processing.
pub fn set_playable(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        asset_versions::table
            .find(id)
            .filter(asset_versions::status.eq(VersionStatus::Processing)),
    )
    .set(asset_versions::playable_at.eq(diesel::dsl::sql::<Nullable<Timestamptz>>("now()")))
    .execute(conn)
    .map(|n| n == 1)
}

/// A preview run starts afresh: nothing it publishes plays until it says so.
pub fn clear_playable(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(id))
        .set(asset_versions::playable_at.eq(None::<OffsetDateTime>))
        .execute(conn)
        .map(|_| ())
}

/// Records how the published preview's picture was made (its manifest's `color`).
pub fn set_preview_color(
    conn: &mut PgConnection,
    id: Uuid,
    color: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(id))
        .set(asset_versions::preview_color.eq(color))
        .execute(conn)
        .map(|_| ())
}

/// Stores what probing the master found (the preview pipeline's technical metadata).
pub fn set_technical(
    conn: &mut PgConnection,
    id: Uuid,
    technical: &serde_json::Value,
) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(id))
        .set((
            asset_versions::technical.eq(technical),
            asset_versions::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .map(|_| ())
}

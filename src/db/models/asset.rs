//! The `assets` table: the library's entries, with full-text search over title, tags, file
//! name and description (the generated `search` column) and the list query the library uses.

use crate::db::schema::assets;
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float, Text};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = assets)]
pub struct Asset {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub tags: Vec<String>,
    pub media_type: String,
    pub filename: String,
    pub size_bytes: i64,
    pub status: crate::status::VersionStatus,
    pub current_version_id: Option<Uuid>,
    pub version_count: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(skip)]
    pub deleted_at: Option<OffsetDateTime>,
    /// The current version's review status (see `review::decisions`), copied here so the
    /// library filters and sorts on it.
    pub review_status: String,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = assets)]
pub struct NewAsset {
    pub id: Uuid,
    pub owner_id: Option<Uuid>,
    pub title: String,
    pub media_type: String,
    pub filename: String,
    pub size_bytes: i64,
    pub status: crate::status::VersionStatus,
    pub version_count: i32,
}

pub fn insert(conn: &mut PgConnection, new: &NewAsset) -> QueryResult<()> {
    diesel::insert_into(assets::table)
        .values(new)
        .execute(conn)
        .map(|_| ())
}

/// A live (not deleted) asset.
pub fn find_live(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Asset>> {
    assets::table
        .filter(assets::id.eq(id))
        .filter(assets::deleted_at.is_null())
        .select(Asset::as_select())
        .first(conn)
        .optional()
}

/// The live asset, locked until the end of the transaction (a new version is being added).
pub fn lock_live(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Asset>> {
    assets::table
        .filter(assets::id.eq(id))
        .filter(assets::deleted_at.is_null())
        .select(Asset::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Makes `version_id` the asset's current version and copies its name, size and status.
pub fn set_current(
    conn: &mut PgConnection,
    id: Uuid,
    version_id: Uuid,
    number: i32,
    (filename, size, media_type, status): (&str, i64, &str, &str),
) -> QueryResult<()> {
    diesel::update(assets::table.find(id))
        .set((
            assets::current_version_id.eq(version_id),
            assets::version_count.eq(number),
            assets::filename.eq(filename),
            assets::size_bytes.eq(size),
            assets::media_type.eq(media_type),
            assets::status.eq(status),
            assets::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    // The review status is the version's own: a new version starts afresh.
    crate::db::models::decision::copy_status_to_asset(conn, version_id)
}

/// Title, description and tags; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, AsChangeset)]
#[diesel(table_name = assets)]
pub struct AssetChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
}

pub fn update_fields(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &AssetChanges,
) -> QueryResult<Option<Asset>> {
    diesel::update(assets::table.find(id).filter(assets::deleted_at.is_null()))
        .set((changes, assets::updated_at.eq(diesel::dsl::now)))
        .returning(Asset::as_returning())
        .get_result(conn)
        .optional()
}

/// Soft delete: hidden from the library from now on; `None` when already gone.
pub fn soft_delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Asset>> {
    diesel::update(assets::table.find(id).filter(assets::deleted_at.is_null()))
        .set((
            assets::deleted_at.eq(diesel::dsl::now),
            assets::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Asset::as_returning())
        .get_result(conn)
        .optional()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    NewestFirst,
    OldestFirst,
    TitleAsc,
    TitleDesc,
    LargestFirst,
    SmallestFirst,
    /// Best match first (only with a search).
    Relevance,
    /// What needs attention first: changes requested, in review, not reviewed, approved.
    Review,
    /// The review set's own order (only with `set_id`).
    SetOrder,
}

/// One library query: every filter optional.
#[derive(Clone, Debug)]
pub struct ListQuery {
    /// A `to_tsquery('simple', ...)` expression built from the user's words.
    pub tsquery: Option<String>,
    pub status: Option<String>,
    pub media_type: Option<String>,
    pub review_status: Option<String>,
    /// Only the assets of this review set.
    pub set_id: Option<Uuid>,
    pub created_from: Option<OffsetDateTime>,
    pub created_before: Option<OffsetDateTime>,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
}

fn filtered(q: &ListQuery) -> assets::BoxedQuery<'static, Pg> {
    let mut query = assets::table
        .filter(assets::deleted_at.is_null())
        .into_boxed();
    if let Some(ts) = &q.tsquery {
        query = query.filter(
            sql::<Bool>("search @@ to_tsquery('simple', ")
                .bind::<Text, _>(ts.clone())
                .sql(")"),
        );
    }
    if let Some(s) = &q.status {
        query = query.filter(assets::status.eq(s.clone()));
    }
    if let Some(m) = &q.media_type {
        query = query.filter(assets::media_type.eq(m.clone()));
    }
    if let Some(r) = &q.review_status {
        query = query.filter(assets::review_status.eq(r.clone()));
    }
    if let Some(s) = q.set_id {
        use crate::db::schema::review_set_items as items;
        query = query.filter(
            assets::id.eq_any(
                items::table
                    .filter(items::set_id.eq(s))
                    .select(items::asset_id),
            ),
        );
    }
    if let Some(t) = q.created_from {
        query = query.filter(assets::created_at.ge(t));
    }
    if let Some(t) = q.created_before {
        query = query.filter(assets::created_at.lt(t));
    }
    query
}

/// One page of live assets and how many match in all. Every order ends with the id, so
/// pages never repeat or skip a row; each order has its own partial index (see migration).
pub fn list(conn: &mut PgConnection, q: &ListQuery) -> QueryResult<(Vec<Asset>, i64)> {
    let total: i64 = filtered(q).count().get_result(conn)?;
    if total == 0 || q.offset >= total {
        return Ok((Vec::new(), total));
    }
    let query = filtered(q).select(Asset::as_select());
    let query = match (q.sort, &q.tsquery) {
        (Sort::SetOrder, _) if q.set_id.is_some() => query
            .order(
                sql::<diesel::sql_types::Integer>(
                    "(SELECT i.position FROM review_set_items i WHERE i.asset_id = assets.id \
                     AND i.set_id = ",
                )
                .bind::<diesel::sql_types::Uuid, _>(q.set_id.unwrap_or_default())
                .sql(")")
                .asc(),
            )
            .then_order_by(assets::id.asc()),
        (Sort::Relevance, Some(ts)) => query
            .order(
                sql::<Float>("ts_rank(search, to_tsquery('simple', ")
                    .bind::<Text, _>(ts.clone())
                    .sql("))")
                    .desc(),
            )
            .then_order_by(assets::created_at.desc())
            .then_order_by(assets::id.desc()),
        (Sort::NewestFirst | Sort::Relevance | Sort::SetOrder, _) => query
            .order(assets::created_at.desc())
            .then_order_by(assets::id.desc()),
        (Sort::OldestFirst, _) => query
            .order(assets::created_at.asc())
            .then_order_by(assets::id.asc()),
        (Sort::TitleAsc, _) => query
            .order(sql::<Text>("lower(title)").asc())
            .then_order_by(assets::id.asc()),
        (Sort::TitleDesc, _) => query
            .order(sql::<Text>("lower(title)").desc())
            .then_order_by(assets::id.desc()),
        (Sort::LargestFirst, _) => query
            .order(assets::size_bytes.desc())
            .then_order_by(assets::id.desc()),
        (Sort::Review, _) => query
            .order(
                sql::<diesel::sql_types::Integer>(
                    "CASE review_status WHEN 'changes_requested' THEN 0 WHEN 'in_review' THEN 1 \
                     WHEN 'none' THEN 2 ELSE 3 END",
                )
                .asc(),
            )
            .then_order_by(assets::created_at.desc())
            .then_order_by(assets::id.desc()),
        (Sort::SmallestFirst, _) => query
            .order(assets::size_bytes.asc())
            .then_order_by(assets::id.asc()),
    };
    let items = query.limit(q.limit).offset(q.offset).load(conn)?;
    Ok((items, total))
}

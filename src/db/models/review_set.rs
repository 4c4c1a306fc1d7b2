//! The `review_sets` and `review_set_items` tables: named, ordered lists of assets, for share
//! links and for filtering the library.

use crate::db::schema::{assets, review_set_items, review_sets};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = review_sets)]
pub struct ReviewSet {
    pub id: Uuid,
    pub name: String,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Creates a set with its assets in the given order.
pub fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    created_by: Option<Uuid>,
    asset_ids: &[Uuid],
) -> QueryResult<ReviewSet> {
    let set = diesel::insert_into(review_sets::table)
        .values((
            review_sets::id.eq(id),
            review_sets::name.eq(name),
            review_sets::created_by.eq(created_by),
        ))
        .returning(ReviewSet::as_returning())
        .get_result(conn)?;
    set_items(conn, id, asset_ids)?;
    Ok(set)
}

/// Replaces a set's assets with `asset_ids`, in that order.
pub fn set_items(conn: &mut PgConnection, set_id: Uuid, asset_ids: &[Uuid]) -> QueryResult<()> {
    diesel::delete(review_set_items::table.filter(review_set_items::set_id.eq(set_id)))
        .execute(conn)?;
    let rows: Vec<_> = asset_ids
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                review_set_items::set_id.eq(set_id),
                review_set_items::asset_id.eq(*a),
                review_set_items::position.eq(i as i32),
            )
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(review_set_items::table)
        .values(rows)
        .execute(conn)?;
    Ok(())
}

pub fn rename(conn: &mut PgConnection, id: Uuid, name: &str) -> QueryResult<usize> {
    diesel::update(review_sets::table.find(id))
        .set((
            review_sets::name.eq(name),
            review_sets::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn touch(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(review_sets::table.find(id))
        .set(review_sets::updated_at.eq(diesel::dsl::now))
        .execute(conn)
}

/// The set, locked until the transaction ends: changes to one set's list happen in turn.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ReviewSet>> {
    review_sets::table
        .find(id)
        .select(ReviewSet::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// How many sets there are, counted under a lock held until the transaction ends, so two
/// creations at once cannot both pass the bound.
pub fn count_locked(conn: &mut PgConnection) -> QueryResult<i64> {
    diesel::sql_query("LOCK TABLE review_sets IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
    review_sets::table.count().get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ReviewSet>> {
    review_sets::table
        .find(id)
        .select(ReviewSet::as_select())
        .first(conn)
        .optional()
}

/// The newest sets first, at most `limit`.
pub fn list(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<ReviewSet>> {
    review_sets::table
        .order((review_sets::created_at.desc(), review_sets::id.desc()))
        .limit(limit)
        .select(ReviewSet::as_select())
        .load(conn)
}

/// A set's live assets, in the set's order.
pub fn live_assets(conn: &mut PgConnection, set_id: Uuid) -> QueryResult<Vec<Uuid>> {
    review_set_items::table
        .inner_join(assets::table)
        .filter(review_set_items::set_id.eq(set_id))
        .filter(assets::deleted_at.is_null())
        .order(review_set_items::position.asc())
        .select(review_set_items::asset_id)
        .load(conn)
}

/// The live assets of several sets at once: `(set, asset)` in each set's order.
pub fn live_items_of(conn: &mut PgConnection, set_ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    review_set_items::table
        .inner_join(assets::table)
        .filter(review_set_items::set_id.eq_any(set_ids))
        .filter(assets::deleted_at.is_null())
        .order((review_set_items::set_id, review_set_items::position.asc()))
        .select((review_set_items::set_id, review_set_items::asset_id))
        .load(conn)
}

/// A set's live assets with their titles, in the set's order.
pub fn live_titles(conn: &mut PgConnection, set_id: Uuid) -> QueryResult<Vec<(Uuid, String)>> {
    review_set_items::table
        .inner_join(assets::table)
        .filter(review_set_items::set_id.eq(set_id))
        .filter(assets::deleted_at.is_null())
        .order(review_set_items::position.asc())
        .select((review_set_items::asset_id, assets::title))
        .load(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(review_sets::table.find(id)).execute(conn)
}

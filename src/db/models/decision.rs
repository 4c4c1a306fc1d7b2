//! The `review_decisions` table: each reviewer's `approved` / `changes_requested` on a
//! version (history kept), and the version's review status stored from them.

use crate::db::schema::{asset_versions, assets, review_decisions};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = review_decisions)]
pub struct DecisionRow {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub reviewer_name: String,
    pub decision: String,
    pub note: String,
    pub created_at: OffsetDateTime,
    /// The share guest who decided (`shares`); `None` for team members.
    pub guest_id: Option<Uuid>,
    /// Whom the decision counts for (`review::decisions::Reviewer::key`).
    pub reviewer_key: String,
    /// A guest's email (lower-case), for the team's eyes only.
    pub reviewer_email: Option<String>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = review_decisions)]
pub struct NewDecision {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub version_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub reviewer_name: String,
    pub decision: String,
    pub note: String,
    pub guest_id: Option<Uuid>,
    pub reviewer_key: String,
    pub reviewer_email: Option<String>,
}

pub fn insert(conn: &mut PgConnection, new: &NewDecision) -> QueryResult<DecisionRow> {
    diesel::insert_into(review_decisions::table)
        .values(new)
        .returning(DecisionRow::as_returning())
        .get_result(conn)
}

/// Every decision on a version, newest first (bounded: a version sees few reviewers).
pub fn for_version(conn: &mut PgConnection, version_id: Uuid) -> QueryResult<Vec<DecisionRow>> {
    review_decisions::table
        .filter(review_decisions::version_id.eq(version_id))
        .order((
            review_decisions::created_at.desc(),
            review_decisions::id.desc(),
        ))
        .limit(1000)
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Each reviewer's latest decision on a version, unbounded by how many anyone has posted: the
/// review status follows from these (newest first, as `review::decisions::status_of` takes).
pub fn latest_per_reviewer(
    conn: &mut PgConnection,
    version_id: Uuid,
) -> QueryResult<Vec<DecisionRow>> {
    let mut rows = review_decisions::table
        .filter(review_decisions::version_id.eq(version_id))
        .distinct_on(review_decisions::reviewer_key)
        .order((
            review_decisions::reviewer_key,
            review_decisions::created_at.desc(),
            review_decisions::id.desc(),
        ))
        .select(DecisionRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    Ok(rows)
}

/// Stores a version's review status, and the asset's when it is the current version.
pub fn set_status(conn: &mut PgConnection, version_id: Uuid, status: &str) -> QueryResult<()> {
    diesel::update(asset_versions::table.find(version_id))
        .set(asset_versions::review_status.eq(status))
        .execute(conn)?;
    diesel::update(assets::table.filter(assets::current_version_id.eq(version_id)))
        .set(assets::review_status.eq(status))
        .execute(conn)?;
    Ok(())
}

/// Copies the version's review status to its asset (the version just became current).
pub fn copy_status_to_asset(conn: &mut PgConnection, version_id: Uuid) -> QueryResult<()> {
    let status: String = asset_versions::table
        .find(version_id)
        .select(asset_versions::review_status)
        .first(conn)?;
    set_status(conn, version_id, &status)
}

/// `none` -> `in_review` (a first comment); returns whether the status changed.
pub fn start_review(conn: &mut PgConnection, version_id: Uuid) -> QueryResult<bool> {
    let n = diesel::update(
        asset_versions::table
            .find(version_id)
            .filter(asset_versions::review_status.eq("none")),
    )
    .set(asset_versions::review_status.eq("in_review"))
    .execute(conn)?;
    if n == 1 {
        diesel::update(assets::table.filter(assets::current_version_id.eq(version_id)))
            .set(assets::review_status.eq("in_review"))
            .execute(conn)?;
    }
    Ok(n == 1)
}

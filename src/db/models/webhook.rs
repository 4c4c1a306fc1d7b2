//! The webhook tables: endpoints, the events mm emitted (the outbox), one delivery per event
//! and endpoint, and the attempts of each delivery.

use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub secret: String,
    pub created_by: Option<Uuid>,
}

/// What a PATCH may change; `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
    /// `Some(None)` clears the reason (re-enabling).
    pub disabled_reason: Option<Option<String>>,
    pub failing_since: Option<Option<OffsetDateTime>>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_events, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_events)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: String,
    pub job_id: Uuid,
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct NewDelivery<'a> {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: &'a str,
    pub job_id: Uuid,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct NewAttempt {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response: String,
}

pub fn insert_endpoint(c: &mut PgConnection, new: &NewEndpoint) -> QueryResult<Endpoint> {
    diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(Endpoint::as_returning())
        .get_result(c)
}

pub fn count_endpoints(c: &mut PgConnection) -> QueryResult<i64> {
    webhook_endpoints::table.count().get_result(c)
}

/// Every endpoint, newest first (their number is bounded at creation).
pub fn list_endpoints(c: &mut PgConnection, limit: i64) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .order((
            webhook_endpoints::created_at.desc(),
            webhook_endpoints::id.desc(),
        ))
        .limit(limit)
        .select(Endpoint::as_select())
        .load(c)
}

pub fn find_endpoint(c: &mut PgConnection, id: Uuid) -> QueryResult<Option<Endpoint>> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(c)
        .optional()
}

pub fn update_endpoint(
    c: &mut PgConnection,
    id: Uuid,
    change: &EndpointChange,
) -> QueryResult<Option<Endpoint>> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((change, webhook_endpoints::updated_at.eq(diesel::dsl::now)))
        .returning(Endpoint::as_returning())
        .get_result(c)
        .optional()
}

pub fn delete_endpoint(c: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::delete(webhook_endpoints::table.find(id))
        .execute(c)
        .map(|n| n > 0)
}

/// Enabled endpoints that asked for `kind`.
pub fn subscribed(c: &mut PgConnection, kind: &str) -> QueryResult<Vec<Uuid>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::enabled)
        .filter(webhook_endpoints::events.contains(vec![kind.to_string()]))
        .select(webhook_endpoints::id)
        .load(c)
}

pub fn insert_event(c: &mut PgConnection, new: &NewEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(webhook_events::table)
        .values(new)
        .execute(c)
        .map(|_| ())
}

pub fn insert_delivery(c: &mut PgConnection, new: &NewDelivery<'_>) -> QueryResult<Delivery> {
    diesel::insert_into(webhook_deliveries::table)
        .values(new)
        .returning(Delivery::as_returning())
        .get_result(c)
}

/// A delivery with its endpoint and event.
pub fn find_delivery(
    c: &mut PgConnection,
    id: Uuid,
) -> QueryResult<Option<(Delivery, Endpoint, Event)>> {
    webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::id.eq(id))
        .select((
            Delivery::as_select(),
            Endpoint::as_select(),
            Event::as_select(),
        ))
        .first(c)
        .optional()
}

/// Records one attempt and the delivery's new state (`pending` while attempts remain).
pub fn record_attempt(c: &mut PgConnection, a: &NewAttempt, state: &str) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values(a)
        .execute(c)?;
    diesel::update(webhook_deliveries::table.find(a.delivery_id))
        .set((
            webhook_deliveries::state.eq(state),
            webhook_deliveries::attempts.eq(a.attempt),
            webhook_deliveries::last_status.eq(a.status),
            webhook_deliveries::last_error.eq(&a.error),
            webhook_deliveries::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
        .map(|_| ())
}

/// Marks a delivery finished without an attempt (its endpoint was disabled or deleted).
pub fn abandon_delivery(c: &mut PgConnection, id: Uuid, reason: &str) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .filter(webhook_deliveries::state.eq("pending"))
        .set((
            webhook_deliveries::state.eq("failed"),
            webhook_deliveries::last_error.eq(reason),
            webhook_deliveries::updated_at.eq(diesel::dsl::now),
        ))
        .execute(c)
        .map(|_| ())
}

/// A success ends the endpoint's failing streak.
pub fn endpoint_answered(c: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .filter(webhook_endpoints::failing_since.is_not_null())
        .set(webhook_endpoints::failing_since.eq(None::<OffsetDateTime>))
        .execute(c)
        .map(|_| ())
}

/// A failed attempt: starts the streak, and disables the endpoint (with `reason`) once every
/// attempt has failed for `disable_after_secs`. Returns whether it was disabled now.
pub fn endpoint_failed(
    c: &mut PgConnection,
    id: Uuid,
    disable_after_secs: f64,
    reason: &str,
) -> QueryResult<bool> {
    use diesel::sql_types::{Double, Text, Uuid as SqlUuid};
    diesel::sql_query(
        "UPDATE webhook_endpoints SET failing_since = now() \
         WHERE id = $1 AND failing_since IS NULL",
    )
    .bind::<SqlUuid, _>(id)
    .execute(c)?;
    let n = diesel::sql_query(
        "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $3, updated_at = now() \
         WHERE id = $1 AND enabled \
           AND failing_since <= now() - make_interval(secs => $2)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Double, _>(disable_after_secs)
    .bind::<Text, _>(reason)
    .execute(c)?;
    Ok(n > 0)
}

/// An endpoint's latest deliveries, newest first.
pub fn deliveries_for(
    c: &mut PgConnection,
    endpoint_id: Uuid,
    limit: i64,
) -> QueryResult<Vec<(Delivery, String)>> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit)
        .select((Delivery::as_select(), webhook_events::kind))
        .load(c)
}

/// The attempts of these deliveries, oldest first.
pub fn attempts_of(c: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Attempt>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order(webhook_attempts::id.asc())
        .select(Attempt::as_select())
        .load(c)
}

/// Drops events (with their deliveries and attempts) older than `secs`; returns how many.
pub fn sweep_events(c: &mut PgConnection, secs: f64) -> QueryResult<usize> {
    use diesel::sql_types::Double;
    diesel::sql_query(
        "DELETE FROM webhook_events WHERE id IN (SELECT id FROM webhook_events \
         WHERE created_at < now() - make_interval(secs => $1) LIMIT 1000)",
    )
    .bind::<Double, _>(secs)
    .execute(c)
}

/// An asset's title and, when asked for, its version's number and file name.
pub type Subject = (String, Option<(i32, String)>);

/// What an event names of its asset and version: the title, and the version's number and
/// file name. `None` when the asset row is gone.
pub fn subject_of(
    c: &mut PgConnection,
    asset_id: Uuid,
    version_id: Option<Uuid>,
) -> QueryResult<Option<Subject>> {
    use crate::db::schema::{asset_versions, assets};
    let Some(title) = assets::table
        .find(asset_id)
        .select(assets::title)
        .first::<String>(c)
        .optional()?
    else {
        return Ok(None);
    };
    let version = match version_id {
        Some(v) => asset_versions::table
            .find(v)
            .select((asset_versions::number, asset_versions::filename))
            .first::<(i32, String)>(c)
            .optional()?,
        None => None,
    };
    Ok(Some((title, version)))
}

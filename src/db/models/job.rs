//! The `jobs` table: the durable record of every job and each conditional state change the
//! queue makes. Every time comparison uses the database clock, so workers' clocks never matter.

use crate::db::schema::jobs;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Float, Integer, Nullable, Text, Uuid as SqlUuid};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub state: crate::status::JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub progress: f32,
    pub eta_seconds: Option<i32>,
    pub error: Option<String>,
    pub worker: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub heartbeat_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub run_after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub enqueued_at: Option<OffsetDateTime>,
}

impl JobRow {
    /// The state in the jobs API's words: queued, running, ready, failed or cancelled.
    pub fn public_state(&self) -> &'static str {
        self.state.api_word()
    }
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = jobs)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
}

/// Inserts a queued job; `enqueued_at` is stamped now because the caller XADDs right after
/// (if that fails, the reconciler finds the row once the grace period has passed).
pub fn insert(conn: &mut PgConnection, job: &NewJob) -> QueryResult<()> {
    diesel::insert_into(jobs::table)
        .values((job, jobs::enqueued_at.eq(diesel::dsl::now)))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<JobRow>> {
    jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)
        .optional()
}

/// Takes the job for `worker` if nobody may be running it: queued and due, or running with a
/// heartbeat older than `stale_secs`. The row lock of the UPDATE makes two racing workers
/// serialize, and the loser's WHERE no longer matches, so a job never runs twice at once.
pub fn claim(
    conn: &mut PgConnection,
    id: Uuid,
    worker: &str,
    stale_secs: f64,
) -> QueryResult<Option<JobRow>> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $2, \
         heartbeat_at = now(), updated_at = now(), progress = 0, eta_seconds = NULL \
         WHERE id = $1 AND attempts < max_attempts AND ( \
           (state = 'queued' AND run_after <= now()) OR \
           (state = 'running' AND heartbeat_at < now() - make_interval(secs => $3))) \
         RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .bind::<Double, _>(stale_secs)
    .get_result(conn)
    .optional()
}

/// A running job whose worker went silent on its last allowed attempt: dead.
pub fn bury_if_exhausted(
    conn: &mut PgConnection,
    id: Uuid,
    stale_secs: f64,
    reason: &str,
) -> QueryResult<Option<JobRow>> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'dead', error = $3, worker = NULL, heartbeat_at = NULL, \
         finished_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND attempts >= max_attempts \
           AND heartbeat_at < now() - make_interval(secs => $2) \
         RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Double, _>(stale_secs)
    .bind::<Text, _>(reason)
    .get_result(conn)
    .optional()
}

/// Stamps the heartbeat; false when the job is no longer this worker's.
pub fn heartbeat(conn: &mut PgConnection, id: Uuid, worker: &str) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs SET heartbeat_at = now() WHERE id = $1 AND state = 'running' AND worker = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .execute(conn)
    .map(|n| n == 1)
}

pub fn set_progress(
    conn: &mut PgConnection,
    id: Uuid,
    worker: &str,
    percent: f32,
    eta_seconds: Option<i32>,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs SET progress = $3, eta_seconds = $4, heartbeat_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND worker = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .bind::<Float, _>(percent)
    .bind::<Nullable<Integer>, _>(eta_seconds)
    .execute(conn)
    .map(|n| n == 1)
}

/// Records success; false when the job was taken from this worker meanwhile.
pub fn succeed(conn: &mut PgConnection, id: Uuid, worker: &str) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'succeeded', progress = 100, eta_seconds = NULL, error = NULL, \
         heartbeat_at = NULL, finished_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND worker = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .execute(conn)
    .map(|n| n == 1)
}

/// Queues the job again after `delay_secs`, keeping the reason it failed this time.
pub fn retry_later(
    conn: &mut PgConnection,
    id: Uuid,
    worker: &str,
    delay_secs: f64,
    reason: &str,
) -> QueryResult<Option<JobRow>> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'queued', error = $4, worker = NULL, heartbeat_at = NULL, \
         run_after = now() + make_interval(secs => $3), enqueued_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND worker = $2 RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .bind::<Double, _>(delay_secs)
    .bind::<Text, _>(reason)
    .get_result(conn)
    .optional()
}

/// Ends the job without retries: `failed` (the job said so) or `dead` (attempts exhausted).
pub fn finish_failed(
    conn: &mut PgConnection,
    id: Uuid,
    worker: &str,
    state: &'static str,
    reason: &str,
) -> QueryResult<bool> {
    debug_assert!(matches!(state, "failed" | "dead"));
    diesel::sql_query(
        "UPDATE jobs SET state = $3, error = $4, worker = NULL, heartbeat_at = NULL, \
         eta_seconds = NULL, finished_at = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND worker = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .bind::<Text, _>(state)
    .bind::<Text, _>(reason)
    .execute(conn)
    .map(|n| n == 1)
}

/// Gives the job back on shutdown: queued and due again, and the interrupted attempt does
/// not count against the job.
pub fn hand_back(conn: &mut PgConnection, id: Uuid, worker: &str) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'queued', attempts = GREATEST(attempts - 1, 0), worker = NULL, \
         heartbeat_at = NULL, run_after = now(), updated_at = now() \
         WHERE id = $1 AND state = 'running' AND worker = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(worker)
    .execute(conn)
    .map(|n| n == 1)
}

/// Reconciler, step 1: running jobs whose worker stopped beating. Each is queued again, or
/// dead when that was its last attempt. Rows another reconciler holds are skipped.
pub fn requeue_stale(
    conn: &mut PgConnection,
    stale_secs: f64,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    diesel::sql_query(
        "WITH stale AS ( \
           SELECT id FROM jobs WHERE state = 'running' \
             AND heartbeat_at < now() - make_interval(secs => $1) \
           ORDER BY heartbeat_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE jobs j SET \
           state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'queued' END, \
           error = CASE WHEN j.attempts >= j.max_attempts \
             THEN 'The worker running this job stopped responding on its last attempt.' \
             ELSE j.error END, \
           finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END, \
           worker = NULL, heartbeat_at = NULL, run_after = now(), enqueued_at = NULL, \
           updated_at = now() \
         FROM stale WHERE j.id = stale.id RETURNING j.*",
    )
    .bind::<Double, _>(stale_secs)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Reconciler, step 2: queued, due jobs of `kinds` not stamped within `grace_secs`. Every row
/// returned is stamped now (so a second reconciler skips it) and the caller XADDs those not
/// already in Redis.
pub fn take_due_unenqueued(
    conn: &mut PgConnection,
    kinds: &[String],
    grace_secs: f64,
    limit: i64,
) -> QueryResult<Vec<(Uuid, String)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
        #[diesel(sql_type = Text)]
        kind: String,
    }
    diesel::sql_query(
        "WITH due AS ( \
           SELECT id FROM jobs WHERE state = 'queued' AND run_after <= now() \
             AND kind = ANY($1) \
             AND (enqueued_at IS NULL OR enqueued_at < now() - make_interval(secs => $2)) \
           ORDER BY run_after LIMIT $3 FOR UPDATE SKIP LOCKED) \
         UPDATE jobs j SET enqueued_at = now() FROM due WHERE j.id = due.id \
         RETURNING j.id, j.kind",
    )
    .bind::<Array<Text>, _>(kinds)
    .bind::<Double, _>(grace_secs)
    .bind::<BigInt, _>(limit)
    .load::<Row>(conn)
    .map(|rows| rows.into_iter().map(|r| (r.id, r.kind)).collect())
}

/// Queue depth per kind and the creation time of the oldest queued job, for `/metrics`.
pub fn queue_stats(conn: &mut PgConnection) -> QueryResult<Vec<(String, i64, OffsetDateTime)>> {
    use diesel::dsl::{count_star, min};
    let rows: Vec<(String, i64, Option<OffsetDateTime>)> = jobs::table
        .filter(jobs::state.eq("queued"))
        .group_by(jobs::kind)
        .select((jobs::kind, count_star(), min(jobs::created_at)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, n, t)| t.map(|t| (k, n, t)))
        .collect())
}

/// How many due jobs were queued before this one: 0 means it is next.
pub fn queue_position(conn: &mut PgConnection, job: &JobRow) -> QueryResult<i64> {
    jobs::table
        .filter(jobs::state.eq("queued"))
        .filter(jobs::created_at.lt(job.created_at))
        .count()
        .get_result(conn)
}

/// Every job about `asset_id`, newest first.
pub fn for_asset(conn: &mut PgConnection, asset_id: Uuid) -> QueryResult<Vec<JobRow>> {
    jobs::table
        .filter(jobs::asset_id.eq(asset_id))
        .order(jobs::created_at.desc())
        .limit(200)
        .select(JobRow::as_select())
        .load(conn)
}

/// The state of the latest job of `kind` for each of `version_ids` (one indexed query for a
/// page of assets; versions without such a job are absent).
pub fn latest_states(
    conn: &mut PgConnection,
    kind: &str,
    version_ids: &[Uuid],
) -> QueryResult<std::collections::HashMap<Uuid, crate::status::JobState>> {
    if version_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Option<Uuid>, crate::status::JobState)> = jobs::table
        .filter(jobs::kind.eq(kind))
        .filter(jobs::version_id.eq_any(version_ids))
        .distinct_on(jobs::version_id)
        .order((jobs::version_id, jobs::created_at.desc()))
        .select((jobs::version_id, jobs::state))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(v, s)| Some((v?, s)))
        .collect())
}

/// Whether a job of `kind` about `version_id` is queued or running.
pub fn pending_of_kind(conn: &mut PgConnection, version_id: Uuid, kind: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::version_id.eq(version_id))
            .filter(jobs::state.eq_any(["queued", "running"])),
    ))
    .get_result(conn)
}

/// The jobs of `kind` a run (the job `run`, named in their payload) queued for `version_id`,
/// oldest first (at most `limit`).
pub fn of_run(
    conn: &mut PgConnection,
    kind: &str,
    version_id: Uuid,
    run: Uuid,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    diesel::sql_query(
        "SELECT * FROM jobs WHERE kind = $1 AND version_id = $2 AND payload->>'run' = $3 \
         ORDER BY created_at LIMIT $4",
    )
    .bind::<Text, _>(kind)
    .bind::<SqlUuid, _>(version_id)
    .bind::<Text, _>(run.to_string())
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// Cancels the jobs of `ids` not finished yet; a worker running one loses it at its next
/// heartbeat and stops. Returns how many were open.
pub fn cancel_open(conn: &mut PgConnection, ids: &[Uuid], reason: &str) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE jobs SET state = 'cancelled', error = $2, worker = NULL, heartbeat_at = NULL, \
         eta_seconds = NULL, finished_at = now(), updated_at = now() \
         WHERE id = ANY($1) AND state IN ('queued', 'running')",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Text, _>(reason)
    .execute(conn)
}

//! The `idempotency_keys` table: the first answer to each (user, Idempotency-Key), replayed
//! for 24 hours.

use crate::db::schema::idempotency_keys as k;
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Double, Text, Uuid as SqlUuid};
use uuid::Uuid;

/// A first request still running longer than this is taken to have died with its process.
const STALE_PENDING_SECS: f64 = 300.0;

/// A stored key: request hash, status, content type, body.
type Stored = (Vec<u8>, Option<i32>, Option<String>, Option<Vec<u8>>);

/// What a key already holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// The key is new (or expired): this request runs, and its answer is stored.
    Fresh,
    /// The key came with another request.
    Mismatch,
    /// The first request with this key has not answered yet.
    InProgress,
    Replay {
        status: i32,
        content_type: Option<String>,
        body: Vec<u8>,
    },
}

/// Claims `key` for this request, or says what it already holds.
pub fn begin(
    c: &mut PgConnection,
    user: Uuid,
    key: &str,
    hash: &[u8],
    ttl_secs: f64,
) -> QueryResult<Begin> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND \
         (created_at < now() - make_interval(secs => $3) \
          OR (status IS NULL AND created_at < now() - make_interval(secs => $4)))",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(key)
    .bind::<Double, _>(ttl_secs)
    .bind::<Double, _>(STALE_PENDING_SECS)
    .execute(c)?;
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<Text, _>(key)
    .bind::<Bytea, _>(hash)
    .execute(c)?;
    if inserted == 1 {
        return Ok(Begin::Fresh);
    }
    let found: Option<Stored> = k::table
        .find((user, key))
        .select((k::request_hash, k::status, k::content_type, k::body))
        .first(c)
        .optional()?;
    Ok(match found {
        // Removed between the two statements: the next try starts afresh.
        None => Begin::InProgress,
        Some((h, _, _, _)) if h != hash => Begin::Mismatch,
        Some((_, None, _, _)) => Begin::InProgress,
        Some((_, Some(status), content_type, body)) => Begin::Replay {
            status,
            content_type,
            body: body.unwrap_or_default(),
        },
    })
}

/// Stores the first answer.
pub fn finish(
    c: &mut PgConnection,
    user: Uuid,
    key: &str,
    status: i32,
    content_type: Option<&str>,
    body: &[u8],
) -> QueryResult<()> {
    diesel::update(k::table.find((user, key)))
        .set((
            k::status.eq(status),
            k::content_type.eq(content_type),
            k::body.eq(body),
        ))
        .execute(c)
        .map(|_| ())
}

/// Frees a key whose request left nothing worth replaying (a 5xx, a conflict, a refusal).
pub fn release(c: &mut PgConnection, user: Uuid, key: &str) -> QueryResult<()> {
    diesel::delete(k::table.find((user, key)).filter(k::status.is_null()))
        .execute(c)
        .map(|_| ())
}

/// Deletes up to 1000 keys older than `ttl_secs`; returns how many.
pub fn sweep(c: &mut PgConnection, ttl_secs: f64) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE (user_id, key) IN (SELECT user_id, key \
         FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) LIMIT 1000)",
    )
    .bind::<Double, _>(ttl_secs)
    .execute(c)
}

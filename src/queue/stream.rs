//! The Redis side of the queue: the `jobs` stream and its `workers` group (entries carry only
//! a job id), the `jobs:delayed` sorted set of retries, the `jobs:dead` dead-letter stream.
//! Every key goes through `Redis::key`.

use crate::redis_pool::{Redis, RedisError};
use redis::aio::MultiplexedConnection;
use redis::streams::{
    StreamAutoClaimReply, StreamPendingCountReply, StreamRangeReply, StreamReadReply,
};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

pub const GROUP: &str = "workers";

pub fn stream_key(redis: &Redis) -> String {
    redis.key("jobs")
}

pub fn delayed_key(redis: &Redis) -> String {
    redis.key("jobs:delayed")
}

pub fn dead_key(redis: &Redis) -> String {
    redis.key("jobs:dead")
}

/// One delivered stream entry; `job_id` is `None` for an entry mm did not write.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: String,
    pub job_id: Option<Uuid>,
}

fn entries(ids: Vec<redis::streams::StreamId>) -> Vec<Entry> {
    ids.into_iter()
        .map(|s| {
            let job_id = s.get::<String>("id").and_then(|v| Uuid::parse_str(&v).ok());
            Entry { id: s.id, job_id }
        })
        .collect()
}

/// Whether a command failed because the group (or the whole stream) is gone, as after a
/// Redis restart without persistence.
pub fn is_no_group(e: &RedisError) -> bool {
    matches!(e, RedisError::Command(c) if c.code() == Some("NOGROUP"))
}

/// Puts a job id on the stream.
pub async fn add(redis: &Redis, job_id: Uuid) -> Result<String, RedisError> {
    redis
        .query(
            redis::cmd("XADD")
                .arg(stream_key(redis))
                .arg("*")
                .arg("id")
                .arg(job_id.to_string()),
        )
        .await
}

/// Creates the consumer group if it is missing. It starts at `0`, so entries added while no
/// group existed (the reconciler after a flush) are delivered too.
pub async fn ensure_group(redis: &Redis) -> Result<(), RedisError> {
    let r: Result<String, _> = redis
        .query(
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(stream_key(redis))
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM"),
        )
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(RedisError::Command(e)) if e.code() == Some("BUSYGROUP") => Ok(()),
        Err(e) => Err(e),
    }
}

/// A connection of its own for blocking reads: pooled connections answer within 500 ms, a
/// `BLOCK` read needs longer, and it must not hold up other commands.
pub async fn blocking_conn(
    redis: &Redis,
    block: Duration,
) -> Result<MultiplexedConnection, RedisError> {
    let mut conn = deadpool_redis::Connection::take(redis.conn().await?);
    conn.set_response_timeout(block + Duration::from_secs(5));
    Ok(conn)
}

/// XREADGROUP of up to `count` new entries, waiting at most `block`.
pub async fn read(
    conn: &mut MultiplexedConnection,
    redis: &Redis,
    consumer: &str,
    count: usize,
    block: Duration,
) -> Result<Vec<Entry>, RedisError> {
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(consumer)
        .arg("COUNT")
        .arg(count)
        .arg("BLOCK")
        .arg(block.as_millis() as u64)
        .arg("STREAMS")
        .arg(stream_key(redis))
        .arg(">")
        .query_async(conn)
        .await?;
    Ok(reply
        .map(|r| r.keys.into_iter().flat_map(|k| entries(k.ids)).collect())
        .unwrap_or_default())
}

/// XAUTOCLAIM: takes up to `count` entries whose consumer has been silent for `min_idle`.
pub async fn autoclaim(
    redis: &Redis,
    consumer: &str,
    min_idle: Duration,
    count: usize,
) -> Result<Vec<Entry>, RedisError> {
    let reply: StreamAutoClaimReply = redis
        .query(
            redis::cmd("XAUTOCLAIM")
                .arg(stream_key(redis))
                .arg(GROUP)
                .arg(consumer)
                .arg(min_idle.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(count),
        )
        .await?;
    Ok(entries(reply.claimed))
}

/// Resets the idle time of an entry this consumer is working on (XCLAIM ... JUSTID), so
/// XAUTOCLAIM leaves it alone while the job runs.
pub async fn touch(redis: &Redis, consumer: &str, entry_id: &str) -> Result<(), RedisError> {
    let _: redis::Value = redis
        .query(
            redis::cmd("XCLAIM")
                .arg(stream_key(redis))
                .arg(GROUP)
                .arg(consumer)
                .arg(0)
                .arg(entry_id)
                .arg("JUSTID"),
        )
        .await?;
    Ok(())
}

/// Acknowledges an entry and deletes it in one transaction, so the stream only ever holds
/// entries that are undelivered or pending (which the reconciler relies on).
pub async fn ack(redis: &Redis, entry_id: &str) -> Result<(), RedisError> {
    let key = stream_key(redis);
    let mut conn = redis.conn().await?;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("XACK")
        .arg(&key)
        .arg(GROUP)
        .arg(entry_id)
        .ignore()
        .cmd("XDEL")
        .arg(&key)
        .arg(entry_id)
        .ignore();
    let _: () = pipe.query_async(&mut *conn).await?;
    Ok(())
}

/// Schedules a retry: the job id goes on the stream again once `at_ms` (Unix ms) has passed.
pub async fn delay(redis: &Redis, job_id: Uuid, at_ms: i64) -> Result<(), RedisError> {
    let _: i64 = redis
        .query(
            redis::cmd("ZADD")
                .arg(delayed_key(redis))
                .arg(at_ms)
                .arg(job_id.to_string()),
        )
        .await?;
    Ok(())
}

/// Moves retries that are due onto the stream. ZREM decides which process moves each one,
/// so several consumers polling at once never XADD the same retry twice.
pub async fn move_due(redis: &Redis, now_ms: i64, limit: usize) -> Result<usize, RedisError> {
    let key = delayed_key(redis);
    let due: Vec<String> = redis
        .query(
            redis::cmd("ZRANGEBYSCORE")
                .arg(&key)
                .arg("-inf")
                .arg(now_ms)
                .arg("LIMIT")
                .arg(0)
                .arg(limit),
        )
        .await?;
    let mut moved = 0;
    for member in due {
        let removed: i64 = redis
            .query(redis::cmd("ZREM").arg(&key).arg(&member))
            .await?;
        if removed == 1
            && let Ok(id) = Uuid::parse_str(&member)
        {
            add(redis, id).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// Records a dead job on the dead-letter stream (capped near 10,000 entries).
pub async fn dead_letter(
    redis: &Redis,
    job_id: Uuid,
    kind: &str,
    attempts: i32,
    error: &str,
) -> Result<(), RedisError> {
    let _: String = redis
        .query(
            redis::cmd("XADD")
                .arg(dead_key(redis))
                .arg("MAXLEN")
                .arg("~")
                .arg(10_000)
                .arg("*")
                .arg("id")
                .arg(job_id.to_string())
                .arg("kind")
                .arg(kind)
                .arg("attempts")
                .arg(attempts)
                .arg("error")
                .arg(error),
        )
        .await?;
    Ok(())
}

fn parse_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

/// Job ids Redis will still deliver: entries not yet delivered to the group, entries pending
/// on some consumer, and scheduled retries. Entries that were acknowledged but not deleted
/// (a crash between the two) are deleted here, since nobody would ever deliver them.
pub async fn present_job_ids(redis: &Redis) -> Result<HashSet<Uuid>, RedisError> {
    let key = stream_key(redis);
    let last_delivered = match redis
        .query::<redis::streams::StreamInfoGroupsReply>(redis::cmd("XINFO").arg("GROUPS").arg(&key))
        .await
    {
        Ok(info) => info
            .groups
            .into_iter()
            .find(|g| g.name == GROUP)
            .map(|g| parse_id(&g.last_delivered_id)),
        // No stream at all ("ERR no such key"): nothing was ever delivered.
        Err(RedisError::Command(e)) if e.detail().is_some_and(|d| d.contains("no such key")) => {
            None
        }
        Err(e) => return Err(e),
    };
    let mut pending = HashSet::new();
    if last_delivered.is_some() {
        let mut start = "-".to_string();
        loop {
            let page: StreamPendingCountReply = redis
                .query(
                    redis::cmd("XPENDING")
                        .arg(&key)
                        .arg(GROUP)
                        .arg(&start)
                        .arg("+")
                        .arg(1000),
                )
                .await?;
            let n = page.ids.len();
            if let Some(last) = page.ids.last() {
                start = format!("({}", last.id);
            }
            pending.extend(page.ids.into_iter().map(|p| p.id));
            if n < 1000 {
                break;
            }
        }
    }
    let mut present = HashSet::new();
    let mut stray = Vec::new();
    let mut start = "-".to_string();
    loop {
        let page: StreamRangeReply = redis
            .query(
                redis::cmd("XRANGE")
                    .arg(&key)
                    .arg(&start)
                    .arg("+")
                    .arg("COUNT")
                    .arg(1000),
            )
            .await?;
        let n = page.ids.len();
        if let Some(last) = page.ids.last() {
            start = format!("({}", last.id);
        }
        for e in entries(page.ids) {
            let undelivered = last_delivered.is_none_or(|ld| parse_id(&e.id) > ld);
            if undelivered || pending.contains(&e.id) {
                present.extend(e.job_id);
            } else {
                stray.push(e.id);
            }
        }
        if n < 1000 {
            break;
        }
    }
    if !stray.is_empty() {
        let _: i64 = redis
            .query(redis::cmd("XDEL").arg(&key).arg(&stray))
            .await?;
    }
    let delayed: Vec<String> = redis
        .query(redis::cmd("ZRANGE").arg(delayed_key(redis)).arg(0).arg(-1))
        .await?;
    present.extend(delayed.iter().filter_map(|m| Uuid::parse_str(m).ok()));
    Ok(present)
}

/// Forgets consumers that have been idle for `idle` and hold nothing, so the group does not
/// keep one entry per worker process ever started.
pub async fn forget_idle_consumers(redis: &Redis, idle: Duration) -> Result<(), RedisError> {
    let key = stream_key(redis);
    let info: redis::streams::StreamInfoConsumersReply = match redis
        .query(redis::cmd("XINFO").arg("CONSUMERS").arg(&key).arg(GROUP))
        .await
    {
        Ok(i) => i,
        Err(_) => return Ok(()),
    };
    for c in info.consumers {
        if c.pending == 0 && c.idle as u128 > idle.as_millis() {
            let _: i64 = redis
                .query(
                    redis::cmd("XGROUP")
                        .arg("DELCONSUMER")
                        .arg(&key)
                        .arg(GROUP)
                        .arg(&c.name),
                )
                .await?;
        }
    }
    Ok(())
}

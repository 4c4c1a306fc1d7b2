//! One Redis key prefix, one database: at start the api and worker roles claim
//! `<MM_REDIS_PREFIX>deployment` for their database's identity. A second deployment on the
//! same prefix with another database would take the first one's job ids from the shared
//! stream, find no row, and leave both queues crawling; it refuses to start instead.

use crate::db::Db;
use crate::db::models::deployment;
use crate::redis_pool::Redis;
use anyhow::{Context, bail};
use uuid::Uuid;

/// The Redis key (under the prefix) holding the identity of the database that owns it.
pub const CLAIM_KEY: &str = "deployment";

/// Claims the prefix for this database, or explains why it cannot.
pub async fn claim_prefix(db: &Db, redis: &Redis) -> anyhow::Result<Uuid> {
    let fresh = Uuid::new_v4();
    let ours = db
        .run(move |c| deployment::identity(c, fresh))
        .await
        .context("DATABASE_URL: reading the deployment identity (has `mm migrate` run?)")?;
    let key = redis.key(CLAIM_KEY);
    let _: Option<String> = redis
        .query(redis::cmd("SET").arg(&key).arg(ours.to_string()).arg("NX"))
        .await
        .context("REDIS_URL: claiming the key prefix")?;
    let owner: Option<String> = redis
        .query(redis::cmd("GET").arg(&key))
        .await
        .context("REDIS_URL: reading the claim on the key prefix")?;
    match owner {
        Some(o) if o == ours.to_string() => Ok(ours),
        Some(other) => bail!(
            "MM_REDIS_PREFIX: the Redis prefix {prefix:?} belongs to another deployment \
             (database {other}; this one is {ours}). Two deployments on one prefix take each \
             other's jobs. Set MM_REDIS_PREFIX to a prefix of this deployment's own (for \
             example \"mm-staging:\"), or, if that other database is gone for good, delete the \
             Redis key {key:?}.",
            prefix = redis.prefix()
        ),
        None => bail!("REDIS_URL: the claim on {key:?} vanished while it was made; start again"),
    }
}

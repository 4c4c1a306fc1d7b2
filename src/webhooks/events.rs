//! Emitting an event: the stable JSON body, and the outbox rows (event, one delivery and one
//! queued job per subscribed endpoint) written inside the caller's transaction.

use crate::auth::Caller;
use crate::db::models::{job, webhook as model};
use diesel::PgConnection;
use diesel::QueryResult;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// Who caused an event.
#[derive(Clone, Debug)]
pub enum Actor {
    User {
        id: Uuid,
        email: String,
    },
    /// mm itself, e.g. `worker` for a preview that finished, or `cli`.
    System(String),
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        Actor::User {
            id: caller.user.id,
            email: caller.user.email.clone(),
        }
    }

    /// The actor an audit entry names.
    pub fn of_entry(e: &crate::audit::Entry) -> Self {
        match e.who() {
            (Some(id), email) => Actor::User {
                id,
                email: email.to_string(),
            },
            (None, label) => Actor::System(label.to_string()),
        }
    }

    fn json(&self) -> Value {
        match self {
            Actor::User { id, email } => json!({"type": "user", "id": id, "email": email}),
            Actor::System(name) => json!({"type": "system", "name": name}),
        }
    }
}

/// One event about an asset (and usually one of its versions).
#[derive(Clone, Debug)]
pub struct Emit {
    /// One of `webhooks::EVENTS`.
    pub kind: &'static str,
    pub asset_id: Uuid,
    pub version_id: Option<Uuid>,
    pub actor: Actor,
    /// Fields of this kind, merged into `data` (e.g. `comment`, `decision`, `error`).
    pub extra: Value,
}

impl Emit {
    pub fn new(kind: &'static str, asset_id: Uuid, version_id: Option<Uuid>, actor: Actor) -> Self {
        debug_assert!(super::EVENTS.contains(&kind), "{kind}");
        Self {
            kind,
            asset_id,
            version_id,
            actor,
            extra: json!({}),
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let Value::Object(m) = &mut self.extra {
            m.insert(key.to_string(), value);
        }
        self
    }
}

/// The body every endpoint receives for `e`:
/// `{type, timestamp, data: {asset: {id, title}, version: {id, number, filename} | null, actor, ...}}`.
pub fn body(e: &Emit, title: &str, version: Option<(i32, String)>, at: OffsetDateTime) -> Value {
    let version = match (e.version_id, version) {
        (Some(id), Some((number, filename))) => {
            json!({"id": id, "number": number, "filename": filename})
        }
        (Some(id), None) => json!({"id": id, "number": null, "filename": null}),
        (None, _) => Value::Null,
    };
    let mut data = json!({
        "asset": {"id": e.asset_id, "title": title},
        "version": version,
        "actor": e.actor.json(),
    });
    if let (Value::Object(d), Value::Object(extra)) = (&mut data, &e.extra) {
        for (k, v) in extra {
            d.insert(k.clone(), v.clone());
        }
    }
    json!({
        "type": e.kind,
        "timestamp": at.format(&Rfc3339).unwrap_or_default(),
        "data": data,
    })
}

/// Writes `e` to the outbox inside the caller's transaction; returns the delivery jobs to
/// put on the stream once it commits (`queue::deliver`). Nothing is written when no enabled
/// endpoint asked for this kind.
pub fn emit(c: &mut PgConnection, max_attempts: i32, e: &Emit) -> QueryResult<Vec<Uuid>> {
    let endpoints = model::subscribed(c, e.kind)?;
    if endpoints.is_empty() {
        return Ok(vec![]);
    }
    let Some((title, version)) = model::subject_of(c, e.asset_id, e.version_id)? else {
        return Ok(vec![]);
    };
    let id = format!("msg_{}", Uuid::now_v7().simple());
    let payload = body(e, &title, version, OffsetDateTime::now_utc());
    model::insert_event(
        c,
        &model::NewEvent {
            id: &id,
            kind: e.kind,
            payload: &payload,
        },
    )?;
    let mut jobs = Vec::with_capacity(endpoints.len());
    for endpoint_id in endpoints {
        jobs.push(queue_delivery(c, max_attempts, endpoint_id, &id)?.job_id);
    }
    tracing::info!(event = %id, kind = e.kind, asset_id = %e.asset_id, deliveries = jobs.len(), "webhook event emitted");
    Ok(jobs)
}

/// One delivery of `event_id` to an endpoint, with its queued job (also used to redeliver).
pub fn queue_delivery(
    c: &mut PgConnection,
    max_attempts: i32,
    endpoint_id: Uuid,
    event_id: &str,
) -> QueryResult<model::Delivery> {
    let delivery_id = Uuid::now_v7();
    let job = job::NewJob {
        id: Uuid::now_v7(),
        kind: crate::queue::jobs::webhook::KIND.to_string(),
        payload: json!({ "delivery_id": delivery_id }),
        max_attempts: max_attempts.max(1),
        asset_id: None,
        version_id: None,
    };
    job::insert(c, &job)?;
    model::insert_delivery(
        c,
        &model::NewDelivery {
            id: delivery_id,
            endpoint_id,
            event_id,
            job_id: job.id,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_asset_version_and_actor() {
        let (a, v, u) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let actor = Actor::User {
            id: u,
            email: "ed@mm.test".into(),
        };
        let e = Emit::new("comment.created", a, Some(v), actor)
            .with("comment", json!({"id": "c", "body": "hi"}));
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let b = body(&e, "Trailer", Some((2, "t.mov".into())), at);
        assert_eq!(
            b,
            json!({
                "type": "comment.created",
                "timestamp": "2027-01-15T08:00:00Z",
                "data": {
                    "asset": {"id": a, "title": "Trailer"},
                    "version": {"id": v, "number": 2, "filename": "t.mov"},
                    "actor": {"type": "user", "id": u, "email": "ed@mm.test"},
                    "comment": {"id": "c", "body": "hi"},
                }
            })
        );
        let sys = Emit::new("asset.deleted", a, None, Actor::System("worker".into()));
        assert_eq!(body(&sys, "T", None, at)["data"]["version"], Value::Null);
        assert_eq!(body(&sys, "T", None, at)["data"]["actor"]["type"], "system");
    }
}

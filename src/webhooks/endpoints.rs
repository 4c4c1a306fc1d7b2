//! Managing endpoints: checked URLs and event lists, the secret shown once, the delivery log
//! and redelivery. Every change is audited.

use super::guard;
use crate::audit::{self, Entry};
use crate::db::models::webhook::{self as model, Endpoint, EndpointChange, NewEndpoint};
use crate::error::AppError;
use crate::queue;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Endpoints one mm may have; keeps every list and every event's fan-out bounded.
pub const MAX_ENDPOINTS: i64 = 100;
/// Deliveries the log shows per endpoint.
pub const LOG_LIMIT: i64 = 100;
pub const MAX_URL: usize = 2048;
pub const MAX_DESCRIPTION: usize = 500;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub failing_since: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<&Endpoint> for EndpointView {
    fn from(e: &Endpoint) -> Self {
        Self {
            id: e.id,
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.clone(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpointBody {
    pub url: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

fn bad(code: &'static str, m: impl Into<String>) -> AppError {
    AppError::bad_request(code, m)
}

/// An http(s) URL on a public address (unless MM_WEBHOOK_ALLOW_PRIVATE), resolved now.
pub async fn check_url(state: &AppState, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_URL {
        return Err(bad(
            "invalid-url",
            format!("url is an http or https URL of at most {MAX_URL} characters."),
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| bad("invalid-url", format!("url: {e}.")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(
            "invalid-url",
            "url must start with http:// or https://.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "invalid-url",
            "url may not carry a user name or password.",
        ));
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return Err(bad("invalid-url", "url has no host."));
    };
    let allow = state.config.webhooks.allow_private;
    guard::resolve(host, port, allow).await.map_err(|why| {
        bad(
            "webhook-url-refused",
            format!("Webhooks go to public addresses only: {why}."),
        )
    })?;
    Ok(url.to_string())
}

pub fn check_events(events: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let e = e.trim();
        if !super::EVENTS.contains(&e) {
            return Err(bad(
                "unknown-event",
                format!(
                    "Unknown event {:?}; events are {}.",
                    e.chars().take(64).collect::<String>(),
                    super::EVENTS.join(", ")
                ),
            ));
        }
        if !out.iter().any(|o| o == e) {
            out.push(e.to_string());
        }
    }
    if out.is_empty() {
        return Err(bad("unknown-event", "List at least one event."));
    }
    Ok(out)
}

fn check_description(d: Option<&str>) -> Result<String, AppError> {
    let d: String = d
        .unwrap_or("")
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(bad(
            "description-too-long",
            format!("A description has at most {MAX_DESCRIPTION} characters."),
        ));
    }
    Ok(d)
}

/// Registers an endpoint; returns it and its secret (shown this once).
pub async fn create(
    state: &AppState,
    by: Option<Uuid>,
    b: NewEndpointBody,
    entry: Entry,
) -> Result<(Endpoint, String), AppError> {
    let url = check_url(state, &b.url).await?;
    let events = check_events(&b.events)?;
    let description = check_description(b.description.as_deref())?;
    let secret = super::new_secret()?;
    let new = NewEndpoint {
        id: Uuid::now_v7(),
        url,
        description,
        events,
        secret: secret.clone(),
        created_by: by,
    };
    let entry = entry
        .target("webhook", new.id)
        .details(serde_json::json!({"url": new.url, "events": new.events}));
    let row = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if model::count_endpoints(c)? >= MAX_ENDPOINTS {
                    return Ok(None);
                }
                let row = model::insert_endpoint(c, &new)?;
                audit::record_in(c, &entry)?;
                Ok(Some(row))
            })
        })
        .await?
        .ok_or_else(|| {
            bad(
                "too-many-webhooks",
                format!("mm keeps at most {MAX_ENDPOINTS} webhook endpoints."),
            )
        })?;
    Ok((row, secret))
}

pub async fn list(state: &AppState) -> Result<Vec<Endpoint>, AppError> {
    Ok(state
        .db
        .run(|c| model::list_endpoints(c, MAX_ENDPOINTS))
        .await?)
}

pub async fn get(state: &AppState, id: Uuid) -> Result<Endpoint, AppError> {
    state
        .db
        .run(move |c| model::find_endpoint(c, id))
        .await?
        .ok_or_else(|| AppError::not_found("No webhook endpoint with this id."))
}

/// Changes an endpoint; enabling one clears its disabled reason and failing streak.
pub async fn update(
    state: &AppState,
    id: Uuid,
    p: EndpointPatch,
    entry: Entry,
) -> Result<Endpoint, AppError> {
    let mut change = EndpointChange::default();
    if let Some(u) = &p.url {
        change.url = Some(check_url(state, u).await?);
    }
    if let Some(e) = &p.events {
        change.events = Some(check_events(e)?);
    }
    if p.description.is_some() {
        change.description = Some(check_description(p.description.as_deref())?);
    }
    if let Some(on) = p.enabled {
        change.enabled = Some(on);
        change.disabled_reason = Some((!on).then(|| "Disabled by an administrator.".into()));
        if on {
            change.failing_since = Some(None);
        }
    }
    let entry = entry.target("webhook", id).details(serde_json::json!({
        "url": change.url, "events": change.events, "enabled": change.enabled,
    }));
    let nothing = p.url.is_none() && p.events.is_none() && p.description.is_none();
    if nothing && p.enabled.is_none() {
        return get(state, id).await;
    }
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let row = model::update_endpoint(c, id, &change)?;
                if row.is_some() {
                    audit::record_in(c, &entry)?;
                }
                Ok(row)
            })
        })
        .await?
        .ok_or_else(|| AppError::not_found("No webhook endpoint with this id."))
}

pub async fn delete(state: &AppState, id: Uuid, entry: Entry) -> Result<(), AppError> {
    let entry = entry.target("webhook", id);
    let gone = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let gone = model::delete_endpoint(c, id)?;
                if gone {
                    audit::record_in(c, &entry)?;
                }
                Ok(gone)
            })
        })
        .await?;
    if !gone {
        return Err(AppError::not_found("No webhook endpoint with this id."));
    }
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempt: i32,
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub event_id: String,
    pub event: String,
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Oldest first.
    pub log: Vec<AttemptView>,
}

/// The endpoint's latest deliveries, newest first, each with its attempts.
pub async fn deliveries(state: &AppState, id: Uuid) -> Result<Vec<DeliveryView>, AppError> {
    get(state, id).await?;
    let (rows, attempts) = state
        .db
        .run(move |c| {
            let rows = model::deliveries_for(c, id, LOG_LIMIT)?;
            let ids: Vec<Uuid> = rows.iter().map(|(d, _)| d.id).collect();
            Ok((rows, model::attempts_of(c, &ids)?))
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(d, kind)| DeliveryView {
            log: attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| AttemptView {
                    attempt: a.attempt,
                    status: a.status,
                    latency_ms: a.latency_ms,
                    error: a.error.clone(),
                    response: a.response.clone(),
                    at: a.created_at,
                })
                .collect(),
            id: d.id,
            event_id: d.event_id,
            event: kind,
            state: d.state,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
        .collect())
}

/// Sends a delivery's event again, as a new delivery with fresh attempts.
pub async fn redeliver(
    state: &AppState,
    endpoint_id: Uuid,
    delivery_id: Uuid,
    entry: Entry,
) -> Result<model::Delivery, AppError> {
    let max = state.config.webhooks.max_attempts;
    let entry = entry.target("webhook", endpoint_id);
    let d = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let Some((old, endpoint, _)) = model::find_delivery(c, delivery_id)? else {
                    return Ok(None);
                };
                if endpoint.id != endpoint_id {
                    return Ok(None);
                }
                let d = super::events::queue_delivery(c, max, endpoint_id, &old.event_id)?;
                audit::record_in(
                    c,
                    &entry.details(
                        serde_json::json!({"event_id": old.event_id, "delivery_id": d.id}),
                    ),
                )?;
                Ok(Some(d))
            })
        })
        .await?
        .ok_or_else(|| AppError::not_found("No such delivery for this endpoint."))?;
    queue::deliver(state, &[d.job_id]).await;
    Ok(d)
}

//! Admin pages for webhooks: the endpoints (`/admin/webhooks`, with the form that registers
//! one and shows its secret once) and one endpoint's delivery log with redelivery
//! (`/admin/webhooks/{id}`). Changes go through `/api/webhooks` from static/js/webhooks.js.

use super::format;
use super::layout::Layout;
use crate::auth::{PageAuth, perm};
use crate::error::AppError;
use crate::state::AppState;
use crate::webhooks::{self, endpoints};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhooks", web::get().to(list))
        .route("/admin/webhooks/{id}", web::get().to(detail));
}

struct Row {
    id: String,
    url: String,
    description: String,
    events: String,
    enabled: bool,
    disabled_reason: String,
    created: String,
}

impl Row {
    fn of(e: &crate::db::models::webhook::Endpoint) -> Self {
        Row {
            id: e.id.to_string(),
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.join(", "),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone().unwrap_or_default(),
            created: format::date(e.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct ListPage {
    layout: Layout,
    tab: &'static str,
    endpoints: Vec<Row>,
    events: &'static [&'static str],
}

struct Attempt {
    attempt: i32,
    status: String,
    latency_ms: i32,
    error: String,
    response: String,
    at: String,
    at_iso: String,
}

struct DeliveryRow {
    id: String,
    event: String,
    event_id: String,
    state: String,
    attempts: Vec<Attempt>,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct DetailPage {
    layout: Layout,
    tab: &'static str,
    endpoint: Row,
    failing_since: String,
    deliveries: Vec<DeliveryRow>,
}

async fn list(
    req: HttpRequest,
    caller: PageAuth<perm::WebhooksManage>,
    st: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = endpoints::list(&st).await?;
    let page = ListPage {
        layout: Layout::new(&req, Some(&caller)).in_section("admin"),
        tab: "webhooks",
        endpoints: rows.iter().map(Row::of).collect(),
        events: webhooks::EVENTS,
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

async fn detail(
    req: HttpRequest,
    caller: PageAuth<perm::WebhooksManage>,
    st: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found("No such webhook."))?;
    let endpoint = endpoints::get(&st, id).await?;
    let log = endpoints::deliveries(&st, id).await?;
    let deliveries = log
        .into_iter()
        .map(|d| DeliveryRow {
            id: d.id.to_string(),
            event: d.event,
            event_id: d.event_id,
            state: d.state,
            created: format::datetime(d.created_at),
            attempts: d
                .log
                .into_iter()
                .map(|a| Attempt {
                    attempt: a.attempt,
                    status: a.status.map_or("-".into(), |s| s.to_string()),
                    latency_ms: a.latency_ms,
                    error: a.error.unwrap_or_default(),
                    response: a.response,
                    at: format::datetime(a.at),
                    at_iso: format::iso(a.at),
                })
                .collect(),
        })
        .collect();
    let page = DetailPage {
        layout: Layout::new(&req, Some(&caller)).in_section("admin"),
        tab: "webhooks",
        failing_since: endpoint
            .failing_since
            .map(format::datetime)
            .unwrap_or_default(),
        endpoint: Row::of(&endpoint),
        deliveries,
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

//! `GET /api/health` (200 while serving, with each dependency's state) and `GET /api/ready`
//! (503 while a dependency is down).

use crate::queue::WorkerStatus;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use std::time::{Duration, Instant};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
}

#[derive(Serialize, ToSchema)]
struct Check {
    ok: bool,
    latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Checks {
    database: Check,
    redis: Check,
    storage: Check,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker: Option<bool>,
}

#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok` or `degraded`.
    status: &'static str,
    version: &'static str,
    storage_backend: &'static str,
    checks: Checks,
}

async fn timed<E: std::fmt::Display>(f: impl Future<Output = Result<(), E>>) -> Check {
    let start = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(3), f).await;
    let latency_ms = start.elapsed().as_millis() as u64;
    match r {
        Ok(Ok(())) => Check {
            ok: true,
            latency_ms,
            error: None,
        },
        Ok(Err(e)) => Check {
            ok: false,
            latency_ms,
            error: Some(e.to_string()),
        },
        Err(_) => Check {
            ok: false,
            latency_ms,
            error: Some("timed out".into()),
        },
    }
}

async fn gather(state: &AppState, worker: Option<&WorkerStatus>) -> Health {
    let (database, redis, storage) = tokio::join!(
        timed(state.db.ping()),
        timed(state.redis.ping()),
        timed(state.storage.check()),
    );
    let worker = worker.map(WorkerStatus::is_alive);
    let ok = database.ok && redis.ok && storage.ok && worker.unwrap_or(true);
    Health {
        status: if ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        storage_backend: state.storage.backend(),
        checks: Checks {
            database,
            redis,
            storage,
            worker,
        },
    }
}

/// Liveness: 200 whenever the process serves; the body says how the dependencies are.
#[utoipa::path(
    operation_id = "health",
    tag = "health",
    responses((status = 200, description = "Serving; `status` is ok or degraded.", body = Health)),
)]
#[get("/health")]
async fn health(
    state: web::Data<AppState>,
    worker: Option<web::Data<WorkerStatus>>,
) -> HttpResponse {
    let h = gather(&state, worker.as_ref().map(|w| w.get_ref())).await;
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(h)
}

/// Readiness: 503 while any dependency is down, so the router sends traffic elsewhere.
#[utoipa::path(
    operation_id = "ready",
    tag = "health",
    responses(
        (status = 200, description = "Every dependency answers.", body = Health),
        (status = 503, description = "A dependency is down; the body says which.", body = Health),
    ),
)]
#[get("/ready")]
async fn ready(
    state: web::Data<AppState>,
    worker: Option<web::Data<WorkerStatus>>,
) -> HttpResponse {
    let h = gather(&state, worker.as_ref().map(|w| w.get_ref())).await;
    let mut resp = if h.status == "ok" {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    resp.insert_header(("cache-control", "no-store")).json(h)
}

//! HTTP: the one place the actix `App` is assembled (`serve`, from the parts a role built),
//! the middleware every role shares, and the routes of each role.

pub mod api;
pub mod assets;
pub mod csp;
pub mod edge;
pub mod guest;
pub mod pages;
pub mod span;
pub mod sse;

use crate::config::Config;
use crate::error::{AppError, ErrorBody};
use crate::metrics::{self, Metrics};
use crate::queue::WorkerStatus;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, Next, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use edge::EdgeState;
use std::net::TcpListener;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// What one HTTP server of a role serves: each part present adds its routes and state.
#[derive(Clone, Default)]
pub struct Parts {
    pub api: Option<AppState>,
    pub edge: Option<EdgeState>,
    pub worker: Option<Arc<WorkerStatus>>,
    pub metrics: Option<Arc<Metrics>>,
}

/// Builds the `App` of `parts` (shared middleware, then the routes of each part) and serves it
/// on `listener` until its handle stops it.
pub fn serve(
    parts: Parts,
    config: &Config,
    listener: TcpListener,
) -> anyhow::Result<(
    actix_web::dev::ServerHandle,
    JoinHandle<std::io::Result<()>>,
)> {
    let sentry_on = config.sentry_dsn.is_some();
    // Pages get their static manifest and CSP once, shared by every worker thread.
    let page_assets = match parts.api {
        Some(_) => Some(web::Data::new(assets::StaticAssets::load(config)?)),
        None => None,
    };
    let upload_origins = parts
        .api
        .as_ref()
        .map(|s| s.storage.upload_origins())
        .unwrap_or_default();
    let page_policy = csp::PagePolicy::new(config, &upload_origins);
    let metrics_token = config.limits.metrics_token.clone();
    let mut server = HttpServer::new(move || {
        let p = parts.clone();
        let mut app = App::new()
            .app_data(crate::error::json_config(64 * 1024))
            .app_data(crate::error::query_config())
            .app_data(crate::error::path_config());
        if let Some(m) = &p.metrics {
            app = app.app_data(web::Data::from(m.clone()));
        }
        if let Some(s) = &p.api {
            app = app.app_data(web::Data::new(s.clone()));
        }
        if let Some(s) = &p.edge {
            app = app.app_data(web::Data::new(s.clone()));
        }
        if let Some(w) = &p.worker {
            app = app.app_data(web::Data::from(w.clone()));
        }
        if let Some(a) = &page_assets {
            app = app.app_data(a.clone()).app_data(page_policy.clone());
        }
        let metrics_parts = p.clone();
        let metrics_token = metrics_token.clone();
        app.wrap(pages::error_pages())
            .wrap(from_fn(csp::page_headers))
            .wrap(from_fn(response_headers))
            .wrap(from_fn(metrics::track))
            .wrap(Condition::new(sentry_on, sentry_actix::Sentry::new()))
            .wrap(tracing_actix_web::TracingLogger::<span::RootSpan>::new())
            .configure(|cfg| {
                if p.api.is_some() {
                    api::configure(cfg);
                    pages::configure(cfg);
                    assets::configure(cfg);
                }
                if p.edge.is_some() {
                    edge::configure(cfg);
                } else if p.worker.is_some() {
                    cfg.route("/health", web::get().to(worker_health));
                }
            })
            .route(
                "/metrics",
                web::get().to(move |req: actix_web::HttpRequest| {
                    let p = metrics_parts.clone();
                    let token = metrics_token.clone();
                    async move {
                        if !metrics::authorized(&req, token.as_ref()) {
                            return metrics::unauthorized();
                        }
                        if let Some(s) = &p.api {
                            s.refresh_gauges();
                        }
                        match &p.metrics {
                            Some(m) => metrics::text_response(m),
                            None => actix_web::HttpResponse::NotFound().finish(),
                        }
                    }
                }),
            )
            .default_service(web::to(not_found))
    })
    .disable_signals()
    .shutdown_timeout(config.shutdown_timeout_secs)
    .workers(
        std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2),
    );
    if let Some(n) = config.limits.http_blocking_threads {
        server = server.worker_max_blocking_threads(n);
    }
    let server = server.listen(listener)?.run();
    let handle = server.handle();
    Ok((handle, tokio::spawn(server)))
}

/// The worker's `/health`: 200 while the consume loop turns, 503 when it has stalled.
async fn worker_health(status: web::Data<WorkerStatus>) -> HttpResponse {
    let alive = status.is_alive();
    let body = serde_json::json!({"status": if alive { "ok" } else { "stalled" }, "consume_loop_alive": alive});
    if alive {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Adds `x-request-id` (the id tracing logs carry), the security headers every answer gets, and
/// `Server-Timing: total;dur=` (milliseconds from the request reaching the app to its answer's
/// headers, sign-in included) after what a handler reported of its own parts (`db`, `render`).
pub async fn response_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = actix_web::HttpMessage::extensions(&req)
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let total = format!("total;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0);
    let timing = match h.get(csp::SERVER_TIMING).and_then(|v| v.to_str().ok()) {
        Some(parts) => format!("{parts}, {total}"),
        None => total,
    };
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert(csp::SERVER_TIMING, v);
    }
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        h.insert(HeaderName::from_static("x-request-id"), id);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page with a credential in its URL (a share link) sets a stricter policy itself.
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}

/// The answer for a path no route matched: JSON under `/api`, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") || req.path().starts_with("/s/") {
        return HttpResponse::NotFound().json(ErrorBody {
            code: "not-found",
            message: "No such route.",
        });
    }
    pages::not_found_page(&req)
}

/// Helper for handlers returning JSON.
pub type ApiResult<T> = Result<T, AppError>;

//! Prometheus metrics: one registry per process state, HTTP request counts and latencies by
//! route pattern, and pool gauges refreshed when `/metrics` is scraped; the job and upload
//! collectors AppState holds live beside it (`jobs`, `uploads`).

mod jobs;
mod uploads;

pub use jobs::QueueMetrics;
pub use uploads::UploadMetrics;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::sync::Arc;
use std::time::Instant;

pub struct Metrics {
    pub registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub pool_size: IntGaugeVec,
    pub pool_in_use: IntGaugeVec,
    pub up: IntGauge,
}

impl Metrics {
    pub fn new(role: &str) -> Arc<Self> {
        let registry = Registry::new_custom(
            Some("mm".into()),
            Some([("role".to_string(), role.to_string())].into()),
        )
        .expect("static registry options are valid");
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route pattern, method and status class",
            ),
            &["route", "method", "status"],
        )
        .expect("static metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ]),
            &["route", "method"],
        )
        .expect("static metric");
        let pool_size = IntGaugeVec::new(
            Opts::new("pool_size", "Connections open per pool"),
            &["pool"],
        )
        .expect("static metric");
        let pool_in_use = IntGaugeVec::new(
            Opts::new("pool_in_use", "Connections in use per pool"),
            &["pool"],
        )
        .expect("static metric");
        let up = IntGauge::new("up", "1 while the process serves").expect("static metric");
        up.set(1);
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(pool_size.clone()),
            Box::new(pool_in_use.clone()),
            Box::new(up.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Arc::new(Self {
            registry,
            http_requests,
            http_duration,
            pool_size,
            pool_in_use,
            up,
        })
    }

    /// Registers a module's own collector (jobs, edge, uploads) in this registry.
    pub fn register<C: prometheus::core::Collector + Clone + 'static>(&self, c: &C) {
        // A second registration of the same collector is harmless: ignore AlreadyReg.
        let _ = self.registry.register(Box::new(c.clone()));
    }

    pub fn set_pool(&self, pool: &str, (size, in_use): (usize, usize)) {
        self.pool_size.with_label_values(&[pool]).set(size as i64);
        self.pool_in_use
            .with_label_values(&[pool])
            .set(in_use as i64);
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for well-formed families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The route label of a request answered by a scope's default service, which has no pattern
/// for `match_pattern` to find; the handler puts it in the request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct RouteLabel(pub &'static str);

/// The method label: one of the methods mm or HTTP defines, else `other`. actix accepts any
/// token as a method, so a label taken as sent would let strangers mint series without end.
pub fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method as M;
    match *m {
        M::GET => "GET",
        M::HEAD => "HEAD",
        M::POST => "POST",
        M::PUT => "PUT",
        M::PATCH => "PATCH",
        M::DELETE => "DELETE",
        M::OPTIONS => "OPTIONS",
        M::CONNECT => "CONNECT",
        M::TRACE => "TRACE",
        _ => "other",
    }
}

/// The status label: its class (`2xx` ... `5xx`), a closed set of five.
pub fn status_label(s: actix_web::http::StatusCode) -> &'static str {
    match s.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Middleware: counts and times every request under its route pattern (never the raw path),
/// method and status class: every label comes from a closed set, whatever clients send.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let start = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        let route = match res.request().extensions().get::<RouteLabel>() {
            Some(label) => label.0.to_string(),
            None => res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_string()),
        };
        let status = status_label(res.status());
        m.http_requests
            .with_label_values(&[route.as_str(), method, status])
            .inc();
        m.http_duration
            .with_label_values(&[route.as_str(), method])
            .observe(start.elapsed().as_secs_f64());
    }
    Ok(res)
}

/// Whether `req` may read `/metrics`: always when no token is configured, else only with
/// `Authorization: Bearer <MM_METRICS_TOKEN>` (compared in constant time).
pub fn authorized(req: &actix_web::HttpRequest, token: Option<&secrecy::SecretString>) -> bool {
    let Some(token) = token else { return true };
    let sent = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let want = secrecy::ExposeSecret::expose_secret(token).as_bytes();
    crate::auth::ct_eq(sent.as_bytes(), want)
}

/// The answer to `/metrics` without the right bearer token.
pub fn unauthorized() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header(("www-authenticate", "Bearer realm=\"metrics\""))
        .json(crate::error::ErrorBody {
            code: "unauthorized",
            message: "/metrics needs Authorization: Bearer with MM_METRICS_TOKEN.",
        })
}

/// Prometheus text exposition.
pub fn text_response(m: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render())
}

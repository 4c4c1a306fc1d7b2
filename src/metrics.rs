//! Prometheus metrics: one registry per process state, HTTP request counts and latencies by
//! route pattern, and pool gauges refreshed when `/metrics` is scraped.

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
                "HTTP requests by route pattern, method and status",
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

/// Middleware: counts and times every request under its route pattern (never the raw path,
/// which would let clients create unbounded label values).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let start = Instant::now();
    let method = req.method().as_str().to_string();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        let route = match res.request().extensions().get::<RouteLabel>() {
            Some(label) => label.0.to_string(),
            None => res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_string()),
        };
        let status = res.status().as_u16().to_string();
        m.http_requests
            .with_label_values(&[&route, &method, &status])
            .inc();
        m.http_duration
            .with_label_values(&[&route, &method])
            .observe(start.elapsed().as_secs_f64());
    }
    Ok(res)
}

/// Prometheus text exposition.
pub fn text_response(m: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render())
}

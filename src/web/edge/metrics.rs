//! The edge's own Prometheus collectors: answers by status, bytes sent, verification failures
//! by reason and origin latency (the disk cache registers its own, see `edge_cache`).

use crate::metrics::Metrics;
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts};

#[derive(Clone)]
pub struct EdgeMetrics {
    pub requests: IntCounterVec,
    pub bytes_sent: IntCounter,
    pub verify_failures: IntCounterVec,
    pub origin_seconds: HistogramVec,
    pub memory_hits: IntCounter,
}

impl EdgeMetrics {
    pub fn new(registry: &Metrics) -> Self {
        let m = EdgeMetrics {
            requests: IntCounterVec::new(
                Opts::new("edge_requests_total", "Edge answers under /s/ by status"),
                &["status"],
            )
            .expect("static metric"),
            bytes_sent: IntCounter::new(
                "edge_bytes_sent_total",
                "Object bytes the edge has sent to clients",
            )
            .expect("static metric"),
            verify_failures: IntCounterVec::new(
                Opts::new(
                    "edge_verify_failures_total",
                    "Edge URLs refused, by reason: malformed, unknown-key, bad-signature, expired, bad-path, out-of-scope",
                ),
                &["reason"],
            )
            .expect("static metric"),
            origin_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "edge_origin_seconds",
                    "Time until the origin (S3) answered, by operation (get, head, fill)",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
                &["op"],
            )
            .expect("static metric"),
            memory_hits: IntCounter::new(
                "edge_memory_hits_total",
                "Answers whose bytes came from the edge's memory tier",
            )
            .expect("static metric"),
        };
        registry.register(&m.memory_hits);
        registry.register(&m.requests);
        registry.register(&m.bytes_sent);
        registry.register(&m.verify_failures);
        registry.register(&m.origin_seconds);
        m
    }
}

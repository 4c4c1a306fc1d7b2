//! Upload counters: uploads completed, and uploads that failed by reason.

use super::Metrics;
use prometheus::{IntCounter, IntCounterVec, Opts};
use std::sync::Arc;

pub struct UploadMetrics {
    pub completed: IntCounter,
    pub failed: IntCounterVec,
}

impl UploadMetrics {
    /// Creates the counters and registers them in `metrics`; call once per registry.
    pub fn new(metrics: &Metrics) -> Arc<Self> {
        let completed = IntCounter::new(
            "uploads_completed_total",
            "Uploads completed (accepted for promotion)",
        )
        .expect("static metric");
        let failed = IntCounterVec::new(
            Opts::new(
                "uploads_failed_total",
                "Uploads that did not become a stored master, by reason (aborted, expired, size_mismatch, checksum_mismatch)",
            ),
            &["reason"],
        )
        .expect("static metric");
        metrics.register(&completed);
        metrics.register(&failed);
        Arc::new(Self { completed, failed })
    }

    pub fn failed(&self, reason: &str) {
        self.failed.with_label_values(&[reason]).inc();
    }
}

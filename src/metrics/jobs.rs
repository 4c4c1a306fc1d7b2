//! Job metrics: jobs finished by kind and outcome, queue depth and the oldest queued job's age
//! (refreshed by the reconciler), and jobs running in this process.

use super::Metrics;
use prometheus::{Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts};
use std::sync::Arc;

pub struct QueueMetrics {
    pub finished: IntCounterVec,
    pub depth: IntGaugeVec,
    pub oldest_age: Gauge,
    pub running: IntGauge,
}

impl QueueMetrics {
    /// Creates the collectors and registers them in `metrics`; call once per registry.
    pub fn new(metrics: &Metrics) -> Arc<Self> {
        let finished = IntCounterVec::new(
            Opts::new(
                "jobs_finished_total",
                "Job attempts finished, by kind and outcome (succeeded, retry, failed, dead, handed_back)",
            ),
            &["kind", "outcome"],
        )
        .expect("static metric");
        let depth = IntGaugeVec::new(
            Opts::new("jobs_queued", "Jobs queued in PostgreSQL, by kind"),
            &["kind"],
        )
        .expect("static metric");
        let oldest_age = Gauge::new(
            "jobs_oldest_queued_age_seconds",
            "Age of the oldest queued job (0 when none)",
        )
        .expect("static metric");
        let running =
            IntGauge::new("jobs_running", "Jobs running in this process").expect("static metric");
        metrics.register(&finished);
        metrics.register(&depth);
        metrics.register(&oldest_age);
        metrics.register(&running);
        Arc::new(Self {
            finished,
            depth,
            oldest_age,
            running,
        })
    }

    pub fn finished(&self, kind: &str, outcome: &str) {
        self.finished.with_label_values(&[kind, outcome]).inc();
    }
}

//! Prometheus collectors of the disk cache: hits, misses, hit ratio, evictions, size, fills.

use super::index::Index;
use crate::metrics::Metrics;
use prometheus::{Gauge, Histogram, HistogramOpts, IntCounter, IntGauge};

#[derive(Clone)]
pub struct CacheMetrics {
    pub hits: IntCounter,
    pub misses: IntCounter,
    pub hit_ratio: Gauge,
    pub evictions: IntCounter,
    pub bytes: IntGauge,
    pub objects: IntGauge,
    /// Origin GETs made to fill the cache: concurrent misses of one object count once.
    pub origin_fetches: IntCounter,
    pub fill_seconds: Histogram,
}

fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::new(name, help).expect("static metric")
}

impl CacheMetrics {
    pub fn new(registry: &Metrics) -> Self {
        let m = CacheMetrics {
            hits: counter(
                "edge_cache_hits_total",
                "Requests served from the disk cache",
            ),
            misses: counter(
                "edge_cache_misses_total",
                "Requests the disk cache had to fetch from the origin",
            ),
            hit_ratio: Gauge::new(
                "edge_cache_hit_ratio",
                "Cache hits over hits plus misses since the edge started",
            )
            .expect("static metric"),
            evictions: counter(
                "edge_cache_evictions_total",
                "Objects evicted from the disk cache",
            ),
            bytes: IntGauge::new("edge_cache_bytes", "Bytes held by the disk cache")
                .expect("static metric"),
            objects: IntGauge::new("edge_cache_objects", "Objects held by the disk cache")
                .expect("static metric"),
            origin_fetches: counter(
                "edge_cache_origin_fetches_total",
                "Origin GETs made to fill the cache (concurrent misses of one object share one)",
            ),
            fill_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "edge_cache_fill_seconds",
                    "Time to copy one object from the origin into the cache",
                )
                .buckets(vec![
                    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0,
                ]),
            )
            .expect("static metric"),
        };
        registry.register(&m.hits);
        registry.register(&m.misses);
        registry.register(&m.hit_ratio);
        registry.register(&m.evictions);
        registry.register(&m.bytes);
        registry.register(&m.objects);
        registry.register(&m.origin_fetches);
        registry.register(&m.fill_seconds);
        m
    }

    pub(super) fn hit(&self) {
        self.hits.inc();
        self.ratio();
    }

    pub(super) fn miss(&self) {
        self.misses.inc();
        self.ratio();
    }

    fn ratio(&self) {
        let (h, m) = (self.hits.get() as f64, self.misses.get() as f64);
        self.hit_ratio.set(h / (h + m).max(1.0));
    }

    pub(super) fn gauges(&self, index: &Index) {
        self.bytes.set(index.bytes as i64);
        self.objects.set(index.len() as i64);
    }
}

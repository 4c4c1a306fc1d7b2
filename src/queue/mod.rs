//! Background jobs: the PostgreSQL record, Redis stream delivery, and the worker's consume loop.

pub mod consumer;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether the worker's consume loop is alive: it stamps `beat` on every turn.
#[derive(Debug, Default)]
pub struct WorkerStatus {
    beat_ms: AtomicI64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl WorkerStatus {
    /// Records one turn of the consume loop.
    pub fn beat(&self) {
        self.beat_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Alive when the loop turned within the last 30 seconds (a turn blocks at most 5).
    pub fn is_alive(&self) -> bool {
        now_ms() - self.beat_ms.load(Ordering::Relaxed) < 30_000
    }
}

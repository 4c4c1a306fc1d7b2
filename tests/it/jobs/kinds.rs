//! Job kinds that exist only in these tests, and a tracker of what they did.

use mm::queue::{Job, JobContext, JobError, Subject};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What the runs of one test job did, keyed by a per-test id.
#[derive(Clone, Debug, Default)]
pub struct Track {
    pub started: usize,
    pub finished: usize,
    pub running: usize,
    pub max_running: usize,
    pub started_at: Vec<Instant>,
}

static TRACKS: LazyLock<Mutex<HashMap<String, Track>>> = LazyLock::new(Default::default);

pub fn track(key: &str) -> Track {
    TRACKS.lock().unwrap().get(key).cloned().unwrap_or_default()
}

fn start(key: &str) -> usize {
    let mut all = TRACKS.lock().unwrap();
    let t = all.entry(key.to_string()).or_default();
    t.started += 1;
    t.running += 1;
    t.max_running = t.max_running.max(t.running);
    t.started_at.push(Instant::now());
    t.started
}

fn end(key: &str) {
    let mut all = TRACKS.lock().unwrap();
    let t = all.entry(key.to_string()).or_default();
    t.running -= 1;
    t.finished += 1;
}

/// Sleeps, reports progress halfway, succeeds. `first_sleep_ms` replaces the sleep of the
/// first run only (to keep one run busy past a shutdown).
#[derive(Serialize, Deserialize)]
pub struct Sleep {
    pub key: String,
    pub sleep_ms: u64,
    pub first_sleep_ms: Option<u64>,
    pub asset_id: Option<Uuid>,
}

impl Job for Sleep {
    const KIND: &'static str = "test_sleep";

    fn subject(&self) -> Subject {
        Subject {
            asset_id: self.asset_id,
            version_id: None,
        }
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let n = start(&self.key);
        let ms = match (n, self.first_sleep_ms) {
            (1, Some(first)) => first,
            _ => self.sleep_ms,
        };
        tokio::time::sleep(Duration::from_millis(ms / 2)).await;
        ctx.progress(50.0, Some(Duration::from_millis(ms / 2)))
            .await;
        tokio::time::sleep(Duration::from_millis(ms / 2)).await;
        end(&self.key);
        Ok(())
    }
}

/// Fails with a retryable error `fail_times` times, then succeeds.
#[derive(Serialize, Deserialize)]
pub struct Flaky {
    pub key: String,
    pub fail_times: usize,
}

impl Job for Flaky {
    const KIND: &'static str = "test_flaky";

    async fn run(&self, _ctx: &JobContext) -> Result<(), JobError> {
        let n = start(&self.key);
        end(&self.key);
        if n <= self.fail_times {
            return Err(JobError::Retry(format!("storage is down (run {n})")));
        }
        Ok(())
    }
}

/// Fails for good: the input can never work.
#[derive(Serialize, Deserialize)]
pub struct Broken {
    pub key: String,
}

impl Job for Broken {
    const KIND: &'static str = "test_broken";

    async fn run(&self, _ctx: &JobContext) -> Result<(), JobError> {
        start(&self.key);
        end(&self.key);
        Err(JobError::Fatal("the file is not a video".into()))
    }
}

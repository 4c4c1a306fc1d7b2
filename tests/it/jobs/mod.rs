//! The job system: delivery, retries, the dead state, reclaiming from silent workers, never
//! twice at once, recovery after Redis loses everything, and hand-back at shutdown.

mod delivery;
mod kinds;
mod reclaim;
mod recovery;

use crate::harness::{self, ApiClient, TestApp};
use mm::config::Role;
use mm::db::models::job::JobRow;
use mm::metrics::Metrics;
use mm::queue::consumer::Consumer;
use mm::queue::{Handler, Registry, WorkerStatus};
use mm::state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// An api app (which runs no consumer of its own) and a state to drive the queue with.
pub struct Queue {
    pub app: TestApp,
    pub state: AppState,
    /// A Viewer's API token, for `GET /api/jobs/{id}`.
    pub token: String,
}

/// Short heartbeats and timeouts so reclaim and retry happen within seconds.
pub const FAST: &[(&str, &str)] = &[
    ("MM_JOB_HEARTBEAT", "1"),
    ("MM_JOB_VISIBILITY_TIMEOUT", "3"),
    ("MM_JOB_RECONCILE_INTERVAL", "1"),
    ("MM_JOB_BACKOFF_BASE", "1"),
    ("MM_JOB_BACKOFF_MAX", "4"),
];

impl Queue {
    pub async fn start(extra: &[(&str, &str)]) -> Queue {
        let mut b = TestApp::builder(Role::Api);
        for (k, v) in FAST.iter().chain(extra) {
            b = b.env(k, *v);
        }
        let app = b.spawn().await;
        let state = AppState::connect(Arc::new(app.config()), Metrics::new("worker"))
            .await
            .expect("state connects");
        let (_, token) = crate::harness::caller(&app, "viewer@mm.test", mm::auth::Role::Viewer);
        Queue { app, state, token }
    }

    pub fn registry() -> Registry {
        Registry::new([
            Handler::of::<kinds::Sleep>(),
            Handler::of::<kinds::Flaky>(),
            Handler::of::<kinds::Broken>(),
        ])
    }

    /// Starts a consumer of the test kinds; stop it with the token.
    pub fn consumer(&self) -> Worker {
        self.consumer_with(self.state.clone())
    }

    pub fn consumer_with(&self, state: AppState) -> Worker {
        let c = Consumer::new(state, Self::registry());
        let name = c.name().to_string();
        let stop = CancellationToken::new();
        let handle = tokio::spawn(c.run(Arc::new(WorkerStatus::default()), stop.clone()));
        Worker { name, stop, handle }
    }

    pub async fn job(&self, id: Uuid) -> JobRow {
        harness::job(&self.state, id).await
    }

    /// Polls the job until `done` holds; panics with the row after 60 s.
    pub async fn wait_job(&self, id: Uuid, done: impl Fn(&JobRow) -> bool) -> JobRow {
        harness::wait_job(&self.state, id, Duration::from_secs(60), done).await
    }

    /// `GET /api/jobs/{id}` as a signed-in viewer.
    pub async fn api_job(&self, id: Uuid) -> (u16, serde_json::Value) {
        ApiClient::bearer(&self.app, &self.token)
            .get(&format!("/api/jobs/{id}"))
            .await
    }

    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        self.app.redis().await
    }

    /// Entries pending in the group (delivered, not acknowledged).
    pub async fn pending(&self) -> usize {
        let mut r = self.redis().await;
        let reply: redis::streams::StreamPendingReply = redis::cmd("XPENDING")
            .arg(self.state.redis.key("jobs"))
            .arg("workers")
            .query_async(&mut r)
            .await
            .unwrap();
        reply.count()
    }

    pub async fn stream_len(&self) -> usize {
        let mut r = self.redis().await;
        redis::cmd("XLEN")
            .arg(self.state.redis.key("jobs"))
            .query_async(&mut r)
            .await
            .unwrap()
    }
}

pub struct Worker {
    pub name: String,
    pub stop: CancellationToken,
    pub handle: JoinHandle<()>,
}

impl Worker {
    /// Graceful stop, as on SIGTERM; returns when the consume loop has drained.
    pub async fn stop(self) {
        self.stop.cancel();
        self.handle.await.unwrap();
    }
}

pub fn key() -> String {
    Uuid::new_v4().simple().to_string()
}

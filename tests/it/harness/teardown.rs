//! The check a test app runs when it is dropped: no job of the test may be left queued or
//! running, and no stream entry delivered without an acknowledgement, unless the test said
//! why with [`TestApp::allow_unfinished_jobs`]. Like crates.io's `Drop for TestAppInner`: work
//! a test started and never saw through is a test that did not check what it thinks it did.

use super::{TestApp, redis_url};
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::time::{Duration, Instant};

/// How long teardown waits for the app's own worker to finish what the test queued last
/// (a promotion queues a preview; a test about promotion need not wait for it itself).
const DRAIN_WITH_WORKER: Duration = Duration::from_secs(60);
/// Without a worker in the app, only for an acknowledgement racing the drop.
const DRAIN_WITHOUT: Duration = Duration::from_secs(3);

#[derive(diesel::QueryableByName, Debug)]
struct Unfinished {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

impl TestApp {
    /// Lets this test end with jobs queued or running. `why` says what the test leaves behind
    /// on purpose (a worker it killed, a job it handed back), so a reader sees it is deliberate.
    pub fn allow_unfinished_jobs(&self, why: &'static str) {
        assert!(why.len() > 10, "say why the test leaves jobs unfinished");
        let _ = self.unfinished_ok.set(why);
    }

    /// Panics when jobs are left unfinished (see the module docs); called by `Drop`.
    pub(super) fn check_jobs_finished(&self) {
        if std::thread::panicking() || self.unfinished_ok.get().is_some() {
            return;
        }
        let within = if self.role.runs_worker() {
            DRAIN_WITH_WORKER
        } else {
            DRAIN_WITHOUT
        };
        let check = || {
            let deadline = Instant::now() + within;
            loop {
                let left = self.left_behind();
                if left.is_empty() || Instant::now() >= deadline {
                    return left;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        };
        let left = match tokio::runtime::Handle::try_current() {
            // The app's tasks keep running on the other runtime threads while this one waits.
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(check)
            }
            _ => check(),
        };
        assert!(
            left.is_empty(),
            "the test left jobs unfinished (wait for them, or call \
             TestApp::allow_unfinished_jobs with the reason):\n{}",
            left.join("\n")
        );
    }

    /// Jobs queued or running and stream entries pending; empty when the database or Redis
    /// cannot be reached (an outage test stopped them: nothing to check).
    fn left_behind(&self) -> Vec<String> {
        let mut left = Vec::new();
        if let Ok(mut c) = PgConnection::establish(&self.db.url) {
            let rows: Vec<Unfinished> = diesel::sql_query(
                "SELECT format('job %s %s %s (attempt %s)', id, kind, state, attempts) AS line \
                 FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at",
            )
            .load(&mut c)
            .unwrap_or_default();
            left.extend(rows.into_iter().map(|r| r.line));
        }
        if let Ok(client) = redis::Client::open(redis_url())
            && let Ok(mut c) = client.get_connection()
        {
            let pending: redis::RedisResult<redis::streams::StreamPendingReply> =
                redis::cmd("XPENDING")
                    .arg(format!("{}jobs", self.redis_prefix))
                    .arg(mm::queue::stream::GROUP)
                    .query(&mut c);
            if let Ok(p) = pending
                && p.count() > 0
            {
                left.push(format!(
                    "{} stream entries delivered, not acknowledged",
                    p.count()
                ));
            }
        }
        left
    }
}

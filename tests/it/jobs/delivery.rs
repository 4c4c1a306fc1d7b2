//! Enqueue, run, acknowledge; retries with backoff, the dead state and the dead-letter
//! stream; fatal errors without retries; kinds this build has no handler for.

use super::kinds::{self, Broken, Flaky, Sleep};
use super::{Queue, key};
use futures_util::StreamExt;
use mm::queue;
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn a_job_runs_once_reports_progress_and_is_acknowledged() {
    let q = Queue::start(&[]).await;
    let asset_id = Uuid::new_v4();
    let client = redis::Client::open(crate::harness::redis_url()).unwrap();
    let mut events = client.get_async_pubsub().await.unwrap();
    events
        .subscribe(q.state.redis.key(&format!("events:asset:{asset_id}")))
        .await
        .unwrap();

    let k = key();
    let job = Sleep {
        key: k.clone(),
        sleep_ms: 2400,
        first_sleep_ms: None,
        asset_id: Some(asset_id),
    };
    let id = queue::enqueue(&q.state, &job).await.unwrap();
    let queued = q.job(id).await;
    assert_eq!((queued.state.as_str(), queued.attempts), ("queued", 0));
    assert_eq!(queued.asset_id, Some(asset_id));
    let (_, api) = q.api_job(id).await;
    assert_eq!(api["state"], "queued", "{api}");
    assert_eq!(api["queue_position"], 0, "{api}");

    let worker = q.consumer();
    let running = q.wait_job(id, |j| j.progress >= 50.0).await;
    assert_eq!(running.state, "running");
    assert_eq!(running.worker.as_deref(), Some(worker.name.as_str()));
    assert!(running.eta_seconds.is_some());
    let done = q
        .wait_job(id, |j| j.state != "running" && j.state != "queued")
        .await;
    assert_eq!(done.state, "succeeded", "{done:?}");
    assert_eq!((done.attempts, done.progress), (1, 100.0));
    assert!(done.finished_at.is_some() && done.worker.is_some());
    let t = kinds::track(&k);
    assert_eq!((t.started, t.finished, t.max_running), (1, 1, 1));
    // Acknowledged and deleted: the stream holds only undelivered or pending entries.
    assert_eq!(q.pending().await, 0);
    assert_eq!(q.stream_len().await, 0);

    let mut seen = Vec::new();
    let mut messages = events.on_message();
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(5), messages.next()).await {
        let v: Value = serde_json::from_str(&m.get_payload::<String>().unwrap()).unwrap();
        assert_eq!(v["type"], "job");
        assert_eq!(v["job_id"], id.to_string());
        seen.push((
            v["state"].as_str().unwrap().to_string(),
            v["progress"].as_f64().unwrap(),
        ));
        if v["state"] == "ready" {
            break;
        }
    }
    assert_eq!(
        seen,
        [
            ("running".into(), 0.0),
            ("running".into(), 50.0),
            ("ready".into(), 100.0)
        ]
    );

    let (_, api) = q.api_job(id).await;
    assert_eq!(api["state"], "ready", "{api}");
    assert_eq!(api["record_state"], "succeeded");
    assert!(api["queue_position"].is_null());
    assert_eq!(q.api_job(Uuid::new_v4()).await.0, 404);
    let anonymous = q
        .app
        .client
        .get(q.app.url(&format!("/api/jobs/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_back_off_then_the_job_is_dead_and_dead_lettered() {
    let q = Queue::start(&[("MM_JOB_MAX_ATTEMPTS", "3")]).await;
    let worker = q.consumer();
    let (hopeless, recovers) = (key(), key());
    let dead = queue::enqueue(
        &q.state,
        &Flaky {
            key: hopeless.clone(),
            fail_times: 99,
        },
    )
    .await
    .unwrap();
    let ok = queue::enqueue(
        &q.state,
        &Flaky {
            key: recovers.clone(),
            fail_times: 2,
        },
    )
    .await
    .unwrap();

    let row = q.wait_job(dead, |j| j.state == "dead").await;
    assert_eq!(row.attempts, 3);
    assert_eq!(row.error.as_deref(), Some("storage is down (run 3)"));
    assert!(row.finished_at.is_some());
    let t = kinds::track(&hopeless);
    assert_eq!(t.started, 3, "no attempt after the last one");
    // Backoff doubles from 1 s with equal jitter: at least 0.5 s, then at least 1 s.
    let gaps: Vec<Duration> = t.started_at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= Duration::from_millis(500), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1000), "{gaps:?}");

    let mut r = q.redis().await;
    let letters: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(q.state.redis.key("jobs:dead"))
        .arg("-")
        .arg("+")
        .query_async(&mut r)
        .await
        .unwrap();
    assert_eq!(letters.ids.len(), 1);
    let letter = &letters.ids[0];
    assert_eq!(letter.get::<String>("id").unwrap(), dead.to_string());
    assert_eq!(letter.get::<String>("kind").unwrap(), "test_flaky");
    assert_eq!(
        letter.get::<String>("error").unwrap(),
        "storage is down (run 3)"
    );

    let row = q.wait_job(ok, |j| j.state == "succeeded").await;
    assert_eq!(row.attempts, 3);
    assert_eq!(row.error, None, "success clears the last error");
    worker.stop().await;
    assert_eq!(q.pending().await, 0);
    let metrics = q.state.metrics.render();
    assert!(
        metrics.contains(
            r#"mm_jobs_finished_total{kind="test_flaky",outcome="dead",role="worker"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"mm_jobs_finished_total{kind="test_flaky",outcome="retry",role="worker"} 4"#
        ),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fatal_error_fails_the_job_at_once_with_the_reason() {
    let q = Queue::start(&[]).await;
    let worker = q.consumer();
    let k = key();
    let id = queue::enqueue(&q.state, &Broken { key: k.clone() })
        .await
        .unwrap();
    let row = q.wait_job(id, |j| j.state == "failed").await;
    assert_eq!(row.attempts, 1);
    assert_eq!(row.error.as_deref(), Some("the file is not a video"));
    worker.stop().await;
    assert_eq!(kinds::track(&k).started, 1);
    let (_, api) = q.api_job(id).await;
    assert_eq!(api["state"], "failed");
    assert_eq!(api["error"], "the file is not a video");
    let mut r = q.redis().await;
    let letters: usize = redis::cmd("XLEN")
        .arg(q.state.redis.key("jobs:dead"))
        .query_async(&mut r)
        .await
        .unwrap();
    assert_eq!(letters, 0, "a fatal failure is not a dead letter");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kind_without_a_handler_in_this_build_stays_queued() {
    let q = Queue::start(&[]).await;
    q.app.allow_unfinished_jobs(
        "a kind this build has no handler for stays queued for a newer worker: the point of the test",
    );
    let row = queue::new_job_of_kind(
        &q.state,
        "from_a_newer_build",
        serde_json::json!({"asset_id": Uuid::new_v4()}),
        Default::default(),
    );
    let id = row.id;
    q.state
        .db
        .run(move |c| mm::db::models::job::insert(c, &row))
        .await
        .unwrap();
    queue::deliver(&q.state, &[id]).await;
    let worker = q.consumer();
    // The consumer reads and releases the entry; the reconciler does not deliver it again.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while q.stream_len().await > 0 {
        assert!(std::time::Instant::now() < deadline, "entry never consumed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pass = mm::queue::reconciler::pass(&q.state, &Queue::registry())
        .await
        .unwrap();
    assert_eq!(pass.redelivered, 0);
    worker.stop().await;
    let row = q.job(id).await;
    assert_eq!((row.state.as_str(), row.attempts), ("queued", 0));
    assert_eq!(row.error, None);
}

//! Recovery: Redis losing every key while jobs are queued (the reconciler re-queues them from
//! PostgreSQL), and a graceful shutdown handing a running job back.

use super::kinds::{self, Sleep};
use super::{Queue, key};
use mm::db::models::job as model;
use mm::queue::{self, reconciler};
use std::time::Duration;

/// What FLUSHALL would do to this test, without touching anyone else's keys.
async fn lose_redis(q: &Queue) {
    let mut r = q.redis().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}*", q.app.redis_prefix))
        .query_async(&mut r)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    let _: () = redis::cmd("DEL")
        .arg(keys)
        .query_async(&mut r)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn after_redis_loses_everything_the_reconciler_requeues_and_jobs_finish() {
    let q = Queue::start(&[]).await;
    let mut jobs = Vec::new();
    for _ in 0..5 {
        let k = key();
        let job = Sleep {
            key: k.clone(),
            sleep_ms: 100,
            first_sleep_ms: None,
            asset_id: None,
        };
        jobs.push((queue::enqueue(&q.state, &job).await.unwrap(), k));
    }
    // One more was running on a worker that died along with Redis.
    let k = key();
    let job = Sleep {
        key: k.clone(),
        sleep_ms: 100,
        first_sleep_ms: None,
        asset_id: None,
    };
    let orphan = queue::enqueue(&q.state, &job).await.unwrap();
    q.state
        .db
        .run(move |c| model::claim(c, orphan, "died-with-redis", 3.0))
        .await
        .unwrap()
        .expect("claimed");
    jobs.push((orphan, k));
    assert_eq!(q.stream_len().await, 6);
    lose_redis(&q).await;
    assert_eq!(q.stream_len().await, 0);

    let worker = q.consumer();
    let mut total = reconciler::Pass::default();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let p = reconciler::pass(&q.state, &Queue::registry())
            .await
            .unwrap();
        total.requeued_stale += p.requeued_stale;
        total.redelivered += p.redelivered;
        total.buried += p.buried;
        let mut done = 0;
        for (id, _) in &jobs {
            done += usize::from(q.job(*id).await.state == "succeeded");
        }
        if done == jobs.len() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs never finished: {total:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        total,
        reconciler::Pass {
            requeued_stale: 1,
            buried: 0,
            redelivered: 6
        }
    );
    for (_, k) in &jobs {
        assert_eq!(kinds::track(k).started, 1);
    }
    assert_eq!(q.job(orphan).await.attempts, 2);
    // Once everything is delivered, another pass changes nothing.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = reconciler::pass(&q.state, &Queue::registry())
        .await
        .unwrap();
    assert_eq!(again, reconciler::Pass::default());
    worker.stop().await;

    reconciler::refresh_stats(&q.state).await.unwrap();
    let metrics = q.state.metrics.render();
    assert!(
        metrics.contains("mm_jobs_oldest_queued_age_seconds{role=\"worker\"} 0"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_hands_a_running_job_back_and_another_worker_finishes_it() {
    let q = Queue::start(&[("MM_SHUTDOWN_TIMEOUT", "2")]).await;
    let k = key();
    let job = Sleep {
        key: k.clone(),
        sleep_ms: 200,
        first_sleep_ms: Some(120_000),
        asset_id: None,
    };
    let id = queue::enqueue(&q.state, &job).await.unwrap();
    let first = q.consumer();
    q.wait_job(id, |j| j.state == "running").await;
    let stopping = std::time::Instant::now();
    first.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "the drain never ended"
    );

    let row = q.job(id).await;
    assert_eq!(row.state, "queued", "{row:?}");
    assert_eq!(row.attempts, 0, "an interrupted attempt does not count");
    assert_eq!(row.worker, None);
    assert_eq!(
        q.pending().await,
        1,
        "the entry stays pending for a reclaim"
    );
    let t = kinds::track(&k);
    assert_eq!((t.started, t.finished, t.running), (1, 0, 1));

    let second = q.consumer();
    let row = q.wait_job(id, |j| j.state == "succeeded").await;
    assert_eq!(row.worker.as_deref(), Some(second.name.as_str()));
    assert_eq!(row.attempts, 1);
    second.stop().await;
    assert_eq!(q.pending().await, 0);
    let metrics = q.state.metrics.render();
    assert!(
        metrics.contains(
            r#"mm_jobs_finished_total{kind="test_sleep",outcome="handed_back",role="worker"} 1"#
        ),
        "{metrics}"
    );
}

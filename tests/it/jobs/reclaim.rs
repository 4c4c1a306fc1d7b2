//! Silent workers lose their jobs to XAUTOCLAIM, and racing consumers never run one job twice
//! at the same time.

use super::kinds::{self, Sleep};
use super::{Queue, key};
use mm::db::models::job as model;
use mm::queue::{self, stream};

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_workers_job_is_reclaimed_by_another_consumer() {
    let q = Queue::start(&[]).await;
    let k = key();
    let id = queue::enqueue(
        &q.state,
        &Sleep {
            key: k.clone(),
            sleep_ms: 200,
            first_sleep_ms: None,
            asset_id: None,
        },
    )
    .await
    .unwrap();
    // A worker reads the entry and claims the row, then goes silent (killed, frozen).
    stream::ensure_group(&q.state.redis).await.unwrap();
    let mut conn = stream::blocking_conn(&q.state.redis, std::time::Duration::from_secs(1))
        .await
        .unwrap();
    let got = stream::read(
        &mut conn,
        &q.state.redis,
        "ghost",
        10,
        std::time::Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job_id, Some(id));
    let claimed = q
        .state
        .db
        .run(move |c| model::claim(c, id, "ghost", 3.0))
        .await
        .unwrap()
        .expect("the ghost claims the queued job");
    assert_eq!(claimed.attempts, 1);
    // While the ghost's heartbeat is fresh, nobody else may claim it.
    let second = q
        .state
        .db
        .run(move |c| model::claim(c, id, "other", 3.0))
        .await
        .unwrap();
    assert!(second.is_none(), "claimed twice at once");

    let worker = q.consumer();
    let row = q.wait_job(id, |j| j.state == "succeeded").await;
    assert_eq!(row.worker.as_deref(), Some(worker.name.as_str()));
    assert_eq!(row.attempts, 2, "the silent worker's attempt counts");
    assert_eq!(kinds::track(&k).started, 1);
    worker.stop().await;
    assert_eq!(q.pending().await, 0, "the reclaimed entry was acknowledged");
    assert_eq!(q.stream_len().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_consumers_never_run_a_job_twice_at_once() {
    let q = Queue::start(&[("MM_WORKER_CONCURRENCY", "4")]).await;
    let mut ids = Vec::new();
    for _ in 0..16 {
        let k = key();
        let id = queue::enqueue(
            &q.state,
            &Sleep {
                key: k.clone(),
                sleep_ms: 300,
                first_sleep_ms: None,
                asset_id: None,
            },
        )
        .await
        .unwrap();
        // Duplicate deliveries, as a reconciler racing an XADD could make.
        stream::add(&q.state.redis, id).await.unwrap();
        stream::add(&q.state.redis, id).await.unwrap();
        ids.push((id, k));
    }
    let (a, b) = (q.consumer(), q.consumer());
    let mut by = std::collections::HashMap::<String, usize>::new();
    for (id, k) in &ids {
        let row = q.wait_job(*id, |j| j.state == "succeeded").await;
        assert_eq!(row.attempts, 1, "{row:?}");
        *by.entry(row.worker.clone().unwrap()).or_default() += 1;
        let t = kinds::track(k);
        assert_eq!((t.started, t.max_running), (1, 1), "job {id} ran twice");
    }
    // Let the duplicates drain: each is read, fails to claim, and is acknowledged.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while q.stream_len().await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "duplicates never drained"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for (_, k) in &ids {
        assert_eq!(kinds::track(k).started, 1);
    }
    assert_eq!(by.values().sum::<usize>(), 16);
    assert_eq!(by.len(), 2, "both consumers took jobs: {by:?}");
    a.stop().await;
    b.stop().await;
    assert_eq!(q.pending().await, 0);
}

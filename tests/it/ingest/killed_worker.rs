//! A worker process killed in the middle of a promotion: the job is reclaimed by another
//! worker and finishes, the master is intact, and staging was not deleted before the copy
//! was verified.

use super::{Ingest, MIB};
use crate::harness::{WorkerProcess, wait_job_of};
use futures_util::StreamExt;
use mm::config::Role;
use mm::storage::Bucket;
use serde_json::json;
use std::time::{Duration, Instant};

const SIZE: usize = 1024 * MIB;
const BLOCK: usize = 16 * MIB;

/// 1 GiB of bytes that differ block to block: a random block stamped with its index.
fn blocks() -> impl Iterator<Item = bytes::Bytes> {
    let base = crate::harness::data(BLOCK, 99);
    (0..SIZE / BLOCK).map(move |i| {
        let mut b = base.clone();
        b[..8].copy_from_slice(&(i as u64).to_le_bytes());
        bytes::Bytes::from(b)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_promotion_is_replaced_and_the_master_is_intact() {
    // One PUT (no multipart) keeps the setup short; the staged file is written directly.
    let t = Ingest::with_role(Role::Api, &[("MM_MULTIPART_THRESHOLD", "5GiB")]).await;
    let up = t.start_upload("camera_A.mov", SIZE, json!({})).await;
    let staging_key = up["staging_key"].as_str().unwrap().to_string();
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    for b in blocks() {
        digest.update(&b);
    }
    let expected = hex::encode(digest.finish());
    let body = futures_util::stream::iter(blocks().map(Ok)).boxed();
    t.state
        .storage
        .put(Bucket::Staging, &staging_key, body, Default::default())
        .await
        .unwrap();
    let id = up["upload_id"].as_str().unwrap();
    let (status, done) = t
        .post(
            &format!("/api/uploads/{id}/complete"),
            json!({"title": "Camera A"}),
        )
        .await;
    assert_eq!(status, 202, "{done}");

    let mut first = WorkerProcess::start(&t.app, "first", &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let running = loop {
        let row = t
            .job(uuid::Uuid::parse_str(done["job_id"].as_str().unwrap()).unwrap())
            .await;
        if row.state == "running" {
            break row;
        }
        assert!(
            Instant::now() < deadline,
            "the first worker never started: {}",
            first.log_tail(20)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    first.kill(); // SIGKILL: no drain, no hand-back.
    let after_kill = t.job(running.id).await;
    assert_eq!(
        after_kill.state,
        "running",
        "killed before it finished: {}",
        first.log_tail(20)
    );
    assert_eq!(after_kill.attempts, 1);
    let staged = t
        .state
        .storage
        .head(Bucket::Staging, &staging_key)
        .await
        .unwrap();
    assert_eq!(
        staged.size as usize, SIZE,
        "staging intact while the copy is unverified"
    );
    let (_, asset) = t
        .get(&format!(
            "/api/assets/{}",
            done["asset_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(asset["versions"][0]["status"], "promoting");

    let mut second = WorkerProcess::start(&t.app, "second", &[]);
    let finished = {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let row = t.job(running.id).await;
            if row.state != "running" && row.state != "queued" {
                break row;
            }
            assert!(
                Instant::now() < deadline,
                "never finished: {row:?}\n{}",
                second.log_tail(20)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    assert_eq!(
        finished.state,
        "succeeded",
        "{finished:?}\n{}",
        second.log_tail(20)
    );
    assert_eq!(finished.attempts, 2, "the killed attempt counts");
    assert_ne!(
        finished.worker, after_kill.worker,
        "another worker finished it"
    );

    let (_, asset) = t
        .get(&format!(
            "/api/assets/{}",
            done["asset_id"].as_str().unwrap()
        ))
        .await;
    let v = &asset["versions"][0];
    // Stored, then the preview job takes over (these bytes are not media: it fails).
    assert!(
        ["stored", "processing", "failed", "ready"].contains(&v["status"].as_str().unwrap()),
        "{v}"
    );
    assert_eq!(v["sha256"], expected);
    let master = t
        .state
        .storage
        .get(Bucket::Masters, v["master_key"].as_str().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(master.meta.size as usize, SIZE);
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut body = master.body;
    while let Some(chunk) = body.next().await {
        digest.update(&chunk.unwrap());
    }
    assert_eq!(
        hex::encode(digest.finish()),
        expected,
        "the master is intact"
    );
    let gone = t.state.storage.head(Bucket::Staging, &staging_key).await;
    assert!(
        gone.is_err_and(|e| e.is_not_found()),
        "staging removed after verification"
    );

    // The preview job promotion queued (these bytes are not media) ends before the stop.
    let asset_id = uuid::Uuid::parse_str(done["asset_id"].as_str().unwrap()).unwrap();
    wait_job_of(
        &t.state,
        asset_id,
        "preview",
        Duration::from_secs(120),
        crate::harness::finished,
    )
    .await;
    // SIGTERM: the second worker drains and exits cleanly.
    let status = second.terminate();
    assert!(status.success(), "{}", second.log_tail(20));
}

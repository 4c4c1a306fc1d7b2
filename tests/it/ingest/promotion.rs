//! Promotion outcomes: a checksum mismatch (staging kept, the reason shown), Object Lock
//! retention recorded and honoured on delete, deleting an asset, and reprocessing.

use super::Ingest;
use crate::harness::{data, exec, rows, sha256_hex};
use mm::config::Role;
use mm::storage::{Bucket, bytes_stream};
use serde_json::{Value, json};
use time::OffsetDateTime;

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checksum_mismatch_keeps_staging_and_says_why() {
    let t = Ingest::start(&[]).await;
    let bytes = data(70_000, 11);
    let declared = sha256_hex(b"something else");
    let done = t
        .upload("wrong.mov", &bytes, json!({"sha256": declared}))
        .await;
    let job = t.wait_job(&done["job_id"], |j| j.state == "failed").await;
    assert_eq!(job.attempts, 1, "a mismatch is not retried");
    let reason = job.error.unwrap();
    assert!(reason.contains("does not match"), "{reason}");
    assert!(
        reason.contains(&sha256_hex(&bytes)) && reason.contains(&declared),
        "{reason}"
    );

    let (_, asset) = t
        .get(&format!("/api/assets/{}", s(&done["asset_id"])))
        .await;
    assert_eq!(asset["status"], "checksum_mismatch");
    let v = &asset["versions"][0];
    assert_eq!(v["status"], "checksum_mismatch");
    assert_eq!(v["error"], reason);
    assert_eq!(v["sha256"], sha256_hex(&bytes));
    assert!(asset["preview"].is_null(), "no preview job for a mismatch");
    assert_eq!(
        t.object(Bucket::Staging, s(&v["staging_key"]))
            .await
            .as_deref(),
        Some(&bytes[..])
    );
    assert_eq!(t.object(Bucket::Masters, s(&v["master_key"])).await, None);
    let metrics = t
        .app
        .client
        .get(t.app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"mm_uploads_failed_total{reason="checksum_mismatch",role="all"} 1"#),
        "{metrics}"
    );
    let (status, body) = t
        .post(
            &format!("/api/assets/{}/reprocess", s(&done["asset_id"])),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("checksum-mismatch"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_is_recorded_and_a_retained_master_survives_delete() {
    let t = Ingest::start(&[
        ("MM_MASTERS_LOCK_MODE", "governance"),
        ("MM_MASTERS_LOCK_DAYS", "2"),
    ])
    .await;
    let bytes = data(40_000, 12);
    let done = t.upload("locked.mov", &bytes, json!({})).await;
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let (asset_id, version_id) = (s(&done["asset_id"]), s(&done["version_id"]));
    let (_, asset) = t.get(&format!("/api/assets/{asset_id}")).await;
    let v = &asset["versions"][0];
    assert_eq!(v["lock_mode"], "governance");
    let until = OffsetDateTime::parse(
        s(&v["retain_until"]),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (until - OffsetDateTime::now_utc()).whole_hours();
    assert!((47..=48).contains(&days), "{until}");
    let preview_key = format!("previews/{asset_id}/{version_id}/index.m3u8");
    t.state
        .storage
        .put(
            Bucket::Previews,
            &preview_key,
            bytes_stream(&b"#EXTM3U\n"[..]),
            Default::default(),
        )
        .await
        .unwrap();

    let (status, _) = t
        .call(
            reqwest::Method::DELETE,
            &format!("/api/assets/{asset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = t.get(&format!("/api/assets/{asset_id}")).await;
    assert_eq!(status, 404);
    let (status, _) = t
        .call(
            reqwest::Method::DELETE,
            &format!("/api/assets/{asset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "deleted once");
    let cleanup: (String,) = {
        use diesel::prelude::*;
        let mut c = t.app.db.conn();
        mm::db::schema::jobs::table
            .filter(mm::db::schema::jobs::kind.eq("remove_asset_files"))
            .select((mm::db::schema::jobs::id,))
            .first::<(uuid::Uuid,)>(&mut c)
            .map(|(id,)| (id.to_string(),))
            .unwrap()
    };
    t.wait_job(&json!(cleanup.0), |j| j.state == "succeeded")
        .await;
    assert_eq!(
        t.object(Bucket::Previews, &preview_key).await,
        None,
        "previews removed"
    );
    assert_eq!(
        t.object(Bucket::Masters, s(&v["master_key"]))
            .await
            .as_deref(),
        Some(&bytes[..]),
        "a master under retention is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_unprotected_asset_removes_its_previews_and_master() {
    let t = Ingest::start(&[]).await;
    let done = t.upload("plain.mov", &data(30_000, 13), json!({})).await;
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let (asset_id, version_id) = (s(&done["asset_id"]), s(&done["version_id"]));
    let preview_key = format!("previews/{asset_id}/{version_id}/poster.jpg");
    t.state
        .storage
        .put(
            Bucket::Previews,
            &preview_key,
            bytes_stream(&b"jpeg"[..]),
            Default::default(),
        )
        .await
        .unwrap();
    let master_key = format!("masters/{asset_id}/{version_id}/plain.mov");
    assert!(t.object(Bucket::Masters, &master_key).await.is_some());
    let (status, _) = t
        .call(
            reqwest::Method::DELETE,
            &format!("/api/assets/{asset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while t.object(Bucket::Masters, &master_key).await.is_some()
        || t.object(Bucket::Previews, &preview_key).await.is_some()
    {
        assert!(std::time::Instant::now() < deadline, "files never removed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rows(&t.app, "assets"), 1, "soft delete keeps the row");
    let (_, list) = t.get("/api/assets").await;
    assert_eq!(list["total"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn reprocess_queues_previews_again_but_waits_for_promotion() {
    // An api without a worker: promotion stays queued.
    let t = Ingest::with_role(Role::Api, &[]).await;
    t.app.allow_unfinished_jobs(
        "the preview job reprocess queues is left queued (no preview worker): the test checks that it is",
    );
    let done = t.upload("again.mov", &data(20_000, 14), json!({})).await;
    let path = format!("/api/assets/{}/reprocess", s(&done["asset_id"]));
    let (status, body) = t.post(&path, json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("still-promoting"))
    );
    // Promote with an in-process worker that runs promotion only, so the preview job it
    // queues stays waiting; then ask again.
    let stop = tokio_util::sync::CancellationToken::new();
    let promote_only =
        mm::queue::Registry::new([mm::queue::Handler::of::<mm::queue::jobs::promote::Promote>()]);
    let worker = tokio::spawn(
        mm::queue::consumer::Consumer::new(t.state.clone(), promote_only).run(
            std::sync::Arc::new(mm::queue::WorkerStatus::default()),
            stop.clone(),
        ),
    );
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let (_, asset) = t
        .get(&format!("/api/assets/{}", s(&done["asset_id"])))
        .await;
    let queued = s(&asset["preview"]["job_id"]).to_string();
    let (status, same) = t.post(&path, json!({})).await;
    assert_eq!(status, 202, "{same}");
    assert_eq!(
        same["job_id"], queued,
        "the waiting preview job is not duplicated"
    );
    // Once the preview pipeline has finished, reprocessing queues a new preview job.
    exec(
        &t.app,
        &format!("UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE id = '{queued}'"),
    );
    exec(
        &t.app,
        &format!(
            "UPDATE asset_versions SET status = 'ready' WHERE id = '{}'",
            s(&done["version_id"])
        ),
    );
    let (status, fresh) = t.post(&path, json!({})).await;
    assert_eq!(status, 202, "{fresh}");
    assert_ne!(fresh["job_id"], queued);
    let job = t
        .job(uuid::Uuid::parse_str(s(&fresh["job_id"])).unwrap())
        .await;
    assert_eq!(
        (job.kind.as_str(), job.state.as_str()),
        ("preview", "queued")
    );
    assert_eq!(
        job.payload,
        json!({"asset_id": done["asset_id"], "version_id": done["version_id"]})
    );
    let (_, asset) = t
        .get(&format!("/api/assets/{}", s(&done["asset_id"])))
        .await;
    assert_eq!(asset["status"], "stored", "previews are pending again");
    stop.cancel();
    worker.await.unwrap();
}

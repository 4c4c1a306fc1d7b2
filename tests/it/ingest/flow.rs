//! Uploads end to end: one PUT for a small file, parallel parts for a large one, resume from
//! what storage holds, refreshed part URLs, idempotent completion, new versions.

use super::{Ingest, MIB};
use crate::harness::{data, rows, sha256_hex};
use futures_util::future::join_all;
use mm::storage::Bucket;
use serde_json::{Value, json};

fn key_of(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_file_goes_up_in_one_put_and_becomes_a_verified_master() {
    let t = Ingest::start(&[]).await;
    let bytes = data(300_000, 1);
    let sha = sha256_hex(&bytes);
    let up = t
        .start_upload(
            "Day 1 (take 2).mov",
            bytes.len(),
            json!({"sha256": sha.to_uppercase()}),
        )
        .await;
    assert_eq!(up["kind"], "single");
    assert_eq!(up["filename"], "Day_1__take_2_.mov");
    assert_eq!(up["media_type"], "video");
    let id = key_of(&up["upload_id"]);
    assert_eq!(
        up["staging_key"],
        format!("staging/{id}/Day_1__take_2_.mov")
    );
    assert_eq!(up["headers"]["Content-Type"], "video/quicktime");
    let (status, _) = t
        .put(&up["url"], bytes.clone(), Some("video/quicktime"))
        .await;
    assert_eq!(status, 200);
    let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(state["state"], "uploading");
    assert_eq!(state["uploaded_bytes"], bytes.len());

    // Three completes at once: one does the work, the others get its ids or are told to retry.
    let calls = (0..3).map(|_| {
        t.post(
            format!("/api/uploads/{id}/complete"),
            json!({"title": "Interview"}),
        )
    });
    let answers = join_all(calls).await;
    let done: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == 202)
        .map(|(_, v)| v)
        .collect();
    assert!(!done.is_empty(), "{answers:?}");
    assert!(done.iter().all(|v| *v == done[0]), "{answers:?}");
    for (s, v) in &answers {
        assert!(
            *s == 202 || (*s == 409 && v["code"] == "upload-completing"),
            "{s} {v}"
        );
    }
    let done = done[0].clone();
    let (status, again) = t
        .post(&format!("/api/uploads/{id}/complete"), json!({}))
        .await;
    assert_eq!(
        (status, &again),
        (202, &done),
        "a retried complete answers the same ids"
    );
    assert_eq!(rows(&t.app, "assets"), 1);
    assert_eq!(rows(&t.app, "asset_versions"), 1);

    let job = t
        .wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    assert_eq!(job.kind, "promote");
    let (asset_id, version_id) = (key_of(&done["asset_id"]), key_of(&done["version_id"]));
    let master_key = format!("masters/{asset_id}/{version_id}/Day_1__take_2_.mov");
    assert_eq!(
        t.object(Bucket::Masters, &master_key).await.as_deref(),
        Some(&bytes[..])
    );
    assert_eq!(
        t.object(Bucket::Staging, &format!("staging/{id}/Day_1__take_2_.mov"))
            .await,
        None
    );

    let (status, asset) = t.get(&format!("/api/assets/{asset_id}")).await;
    assert_eq!(status, 200, "{asset}");
    assert_eq!(asset["title"], "Interview");
    // Stored, then the preview job takes over (these bytes are not media: it fails).
    let after_store = ["stored", "processing", "failed", "ready"];
    assert!(
        after_store.contains(&asset["status"].as_str().unwrap()),
        "{asset}"
    );
    assert_eq!(asset["filename"], "Day_1__take_2_.mov");
    assert_eq!(asset["size_bytes"], bytes.len());
    let v = &asset["versions"][0];
    assert_eq!(v["number"], 1);
    assert!(after_store.contains(&v["status"].as_str().unwrap()), "{v}");
    assert_eq!(v["sha256"], sha);
    assert_eq!(v["master_key"], master_key);
    assert!(v["lock_mode"].is_null() && v["retain_until"].is_null());
    let kinds: Vec<(&str, &str)> = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["kind"].as_str().unwrap(), j["state"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("promote", "ready")), "{kinds:?}");
    // Promotion queued the preview job; its worker may already have taken it (and, these
    // bytes not being media, failed it once, for good).
    let queued_or_later = ["queued", "running", "failed"];
    assert!(
        kinds
            .iter()
            .any(|(k, s)| *k == "preview" && queued_or_later.contains(s)),
        "{kinds:?}"
    );
    assert!(queued_or_later.contains(&asset["preview"]["state"].as_str().unwrap()));
    let preview = t
        .job(uuid::Uuid::parse_str(asset["preview"]["job_id"].as_str().unwrap()).unwrap())
        .await;
    assert_eq!(
        preview.payload,
        json!({"asset_id": asset_id, "version_id": version_id})
    );
    assert!(preview.attempts <= 1);

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
        metrics.contains("mm_uploads_completed_total{role=\"all\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics
            .contains(r#"mm_jobs_finished_total{kind="promote",outcome="succeeded",role="all"} 1"#),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_file_goes_up_in_parallel_parts_resumes_and_refreshes_its_urls() {
    let t = Ingest::start(&[]).await;
    let bytes = data(20 * MIB + 123, 2);
    let up = t
        .start_upload("A001_C002_0101XY.mp4", bytes.len(), json!({}))
        .await;
    assert_eq!(up["kind"], "multipart");
    assert_eq!(
        (up["part_size"].as_u64(), up["part_count"].as_u64()),
        (Some(8 * MIB as u64), Some(3))
    );
    assert!(up["url"].is_null());
    let id = key_of(&up["upload_id"]);

    let mut parts = t.send_parts(&up, &bytes, &[1, 3]).await;
    // A new tab: storage says which parts it holds, the rest is sent.
    let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
    let held: Vec<u64> = state["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part_number"].as_u64().unwrap())
        .collect();
    assert_eq!(held, [1, 3]);
    assert_eq!(state["uploaded_bytes"], 8 * MIB + 4 * MIB + 123);
    assert_eq!(state["parts"][1]["size"], 4 * MIB + 123);
    // URLs refresh: asking again gives URLs that work just the same.
    let first = t.part_urls(&id, &[2]).await;
    let second = t.part_urls(&id, &[2, 2]).await;
    assert_eq!(second.len(), 1, "duplicates collapse");
    assert_eq!(first[0]["size"], 8 * MIB);
    let (status, etag) = t
        .put(&second[0], bytes[8 * MIB..16 * MIB].to_vec(), None)
        .await;
    assert_eq!(status, 200);
    parts.push(json!({"part_number": 2, "etag": etag}));
    parts.reverse();

    let (status, done) = t
        .post(
            &format!("/api/uploads/{id}/complete"),
            json!({"parts": parts}),
        )
        .await;
    assert_eq!(status, 202, "{done}");
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let master = format!(
        "masters/{}/{}/A001_C002_0101XY.mp4",
        key_of(&done["asset_id"]),
        key_of(&done["version_id"])
    );
    let stored = t
        .object(Bucket::Masters, &master)
        .await
        .expect("master stored");
    assert_eq!(stored.len(), bytes.len());
    assert!(stored == bytes, "master differs from the upload");
    let (status, again) = t
        .post(
            &format!("/api/uploads/{id}/complete"),
            json!({"parts": parts}),
        )
        .await;
    assert_eq!((status, again), (202, done.clone()));
    let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(state["state"], "completed");
    assert_eq!(state["asset_id"], done["asset_id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_can_add_a_new_version_to_an_asset() {
    let t = Ingest::start(&[]).await;
    let first = t.upload("mix.wav", &data(50_000, 3), json!({})).await;
    t.wait_job(&first["job_id"], |j| j.state == "succeeded")
        .await;
    let asset_id = key_of(&first["asset_id"]);
    let second = t
        .upload(
            "mix_v2.wav",
            &data(60_000, 4),
            json!({"asset_id": asset_id}),
        )
        .await;
    assert_eq!(second["asset_id"], first["asset_id"]);
    assert_ne!(second["version_id"], first["version_id"]);
    t.wait_job(&second["job_id"], |j| j.state == "succeeded")
        .await;
    let (_, asset) = t.get(&format!("/api/assets/{asset_id}")).await;
    assert_eq!(asset["version_count"], 2);
    assert_eq!(asset["current_version_id"], second["version_id"]);
    assert_eq!(asset["filename"], "mix_v2.wav");
    assert_eq!(asset["size_bytes"], 60_000);
    let numbers: Vec<i64> = asset["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert_eq!(rows(&t.app, "assets"), 1);
}

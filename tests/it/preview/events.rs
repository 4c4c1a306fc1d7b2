//! The asset's live events (SSE snapshot, then job and version changes as they happen) and
//! re-rendering the poster at a chosen time.

use super::clips::{Audio, Clip};
use super::job::{PREVIEW_ENV, id, preview_job};
use crate::harness::{caller, finished, wait_job};
use crate::ingest::Ingest;
use futures_util::StreamExt;
use mm::auth::Role as UserRole;
use mm::previews;
use mm::storage::Bucket;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Uploads a 3 s clip and waits for its preview; returns (asset, version).
async fn ready_asset(t: &Ingest) -> (Uuid, Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let clip = Clip::video("ev", 320, 240, Audio::Stereo).make(dir.path());
    let done = t
        .upload("ev.mp4", &std::fs::read(&clip).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    preview_job(t, asset_id, |j| j.state == "succeeded").await;
    (asset_id, version_id)
}

/// Reads SSE text until `until` holds for what was read.
async fn read_until(
    body: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    text: &mut String,
    until: impl Fn(&str) -> bool,
) {
    while !until(text) {
        let chunk = body.next().await.expect("stream open").unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Every `data:` of the events named `name`, parsed.
fn events(text: &str, name: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|block| block.strip_prefix(&format!("event: {name}\ndata: ")))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn asset_events_give_a_snapshot_then_live_progress() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let (asset_id, version_id) = ready_asset(&t).await;
    let url = t.app.url(&format!("/api/assets/{asset_id}/events"));
    let anonymous = t.app.client.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let (status, _) = t
        .get(format!("/api/assets/{}/events", Uuid::new_v4()))
        .await;
    assert_eq!(status, 404);
    // Watching is reading: a viewer may.
    let (_, viewer) = caller(&t.app, "viewer@mm.test", UserRole::Viewer);
    let r = t
        .app
        .client
        .get(&url)
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(r);

    let r = t
        .app
        .client
        .get(&url)
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut body = r.bytes_stream();
    let mut text = String::new();
    read_until(&mut body, &mut text, |t| {
        events(t, "job").iter().any(|e| e["kind"] == "preview")
    })
    .await;
    assert!(text.starts_with("retry: 3000\n\n"), "{text}");
    let v = &events(&text, "version")[0];
    assert_eq!(
        (v["version_id"].as_str(), v["status"].as_str()),
        (Some(version_id.to_string().as_str()), Some("ready"))
    );
    // The public state and its label come from the server's one mapping.
    assert_eq!(
        (&v["public_state"], &v["label"]),
        (&json!("ready"), &json!("Ready"))
    );
    let job = events(&text, "job")
        .into_iter()
        .find(|e| e["kind"] == "preview")
        .unwrap();
    assert_eq!(
        (job["state"].as_str(), job["progress"].as_f64()),
        (Some("ready"), Some(100.0))
    );
    assert_eq!(
        (&job["public_state"], &job["asset_state"], &job["label"]),
        (&json!("ready"), &json!("ready"), &json!("Ready"))
    );

    // A reprocess shows up live: processing, the job running with its percent, then ready.
    let snapshot_len = text.len();
    let (status, _) = t
        .post(format!("/api/assets/{asset_id}/reprocess"), json!({}))
        .await;
    assert_eq!(status, 202);
    read_until(&mut body, &mut text, |t| {
        events(&t[snapshot_len..], "version")
            .iter()
            .any(|e| e["status"] == "ready")
    })
    .await;
    let live = &text[snapshot_len..];
    let statuses: Vec<Value> = events(live, "version")
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    // (Reprocessing may first announce the version as stored again.)
    assert!(
        statuses.ends_with(&[json!("processing"), json!("ready")]),
        "{live}"
    );
    let running: Vec<Value> = events(live, "job")
        .into_iter()
        .filter(|e| e["kind"] == "preview" && e["state"] == "running")
        .collect();
    assert!(!running.is_empty(), "{live}");
    assert!(
        running
            .iter()
            .all(|e| e.get("eta_seconds").is_some() && e["error"].is_null())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_poster_is_rendered_again_at_a_chosen_time() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let (asset_id, version_id) = ready_asset(&t).await;
    let path = format!("/api/assets/{asset_id}/poster");
    for (body, status, code) in [
        (json!({"time": -1.0}), 400, "invalid-time"),
        (json!({"time": 99.0}), 400, "time-out-of-range"),
        (json!({"time": "later"}), 400, "invalid-json"),
        (json!({"time": 1.0, "frame": 3}), 400, "invalid-json"),
    ] {
        let (s, b) = t.post(&path, body.clone()).await;
        assert_eq!((s, b["code"].as_str()), (status, Some(code)), "{body}: {b}");
    }
    let (s, _) = t
        .post(
            format!("/api/assets/{}/poster", Uuid::new_v4()),
            json!({"time": 1.0}),
        )
        .await;
    assert_eq!(s, 404);
    // Choosing the poster is an edit: a viewer may not; nobody anonymous may.
    let (_, viewer) = caller(&t.app, "viewer@mm.test", UserRole::Viewer);
    let (s, _) = t
        .call_as(&viewer, Method::POST, &path, Some(json!({"time": 1.0})))
        .await;
    assert_eq!(s, 403);
    let anon = t
        .app
        .client
        .post(t.app.url(&path))
        .json(&json!({"time": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);

    let (s, b) = t.post(&path, json!({"time": 2.5})).await;
    assert_eq!(s, 202, "{b}");
    let job = wait_job(
        &t.state,
        id(&b["job_id"]),
        Duration::from_secs(120),
        finished,
    )
    .await;
    assert_eq!(job.state, "succeeded", "{job:?}");
    let prefix = previews::prefix(asset_id, version_id);
    let manifest: Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["poster_time"], 2.5);
    let poster = t
        .object(Bucket::Previews, &format!("{prefix}/poster.jpg"))
        .await
        .unwrap();
    assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF]);
    let listed = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "poster.jpg")
        .unwrap();
    assert_eq!(listed["size"].as_u64().unwrap(), poster.len() as u64);

    // Nothing to take a poster from until a preview is ready.
    let done = t
        .upload("notes.mov", b"just words, not a movie at all", json!({}))
        .await;
    let other = id(&done["asset_id"]);
    preview_job(&t, other, |j| j.state == "failed").await;
    let (s, b) = t
        .post(format!("/api/assets/{other}/poster"), json!({"time": 0.0}))
        .await;
    assert_eq!((s, b["code"].as_str()), (409, Some("preview-not-ready")));
}

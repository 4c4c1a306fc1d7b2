//! The preview job through the real queue: an uploaded clip becomes a published set and a
//! ready version with its technical metadata; a non-media upload fails once, with a reason.

use super::clips::{Audio, Clip};
use crate::harness::wait_job_of;
use crate::ingest::Ingest;
use mm::db::models::job::JobRow;
use mm::db::models::version::{self, Version};
use mm::previews;
use mm::storage::Bucket;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// Test settings: the fast preset, and a watchdog roomy enough for a loaded machine.
pub const PREVIEW_ENV: &[(&str, &str)] = &[
    ("MM_X264_PRESET", "ultrafast"),
    ("MM_FFMPEG_STALL_SECONDS", "60"),
];

pub fn id(v: &Value) -> Uuid {
    Uuid::parse_str(v.as_str().unwrap()).unwrap()
}

/// The preview job of `asset_id`, once promotion has queued it.
pub async fn preview_job(t: &Ingest, asset_id: Uuid, done: impl Fn(&JobRow) -> bool) -> JobRow {
    wait_job_of(
        &t.state,
        asset_id,
        "preview",
        Duration::from_secs(180),
        done,
    )
    .await
}

pub async fn version_of(t: &Ingest, version_id: Uuid) -> Version {
    t.state
        .db
        .run(move |c| version::find(c, version_id))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_clip_gets_a_published_preview_and_metadata() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = Clip::video("take1", 320, 240, Audio::Stereo).make(dir.path());
    let done = t
        .upload("take1.mp4", &std::fs::read(&clip).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| j.state == "succeeded").await;
    assert_eq!(job.attempts, 1);
    assert_eq!(job.progress, 100.0);

    let v = version_of(&t, version_id).await;
    assert_eq!(v.status, "ready");
    let tech = v.technical.expect("technical metadata stored");
    assert!(
        (tech["duration"].as_f64().unwrap() - 3.0).abs() < 0.1,
        "{tech}"
    );
    assert_eq!(tech["video"]["width"], 320);
    assert_eq!(tech["video"]["codec"], "h264");
    assert_eq!(tech["audio"][0]["channels"], 2);

    let prefix = previews::prefix(asset_id, version_id);
    let manifest: Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .expect("manifest published"),
    )
    .unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let key = format!("{prefix}/{}", f["path"].as_str().unwrap());
        let bytes = t
            .object(Bucket::Previews, &key)
            .await
            .expect("listed file exists");
        assert_eq!(bytes.len() as u64, f["size"].as_u64().unwrap(), "{key}");
    }
    let master = t
        .object(Bucket::Previews, &previews::master_key(&prefix))
        .await
        .unwrap();
    assert!(
        String::from_utf8(master)
            .unwrap()
            .contains("RESOLUTION=320x240")
    );

    // The old status contract sees it too.
    let (status, body) = t.get(format!("/api/preview/status?prefix={prefix}")).await;
    assert_eq!((status, body["ready"].clone()), (200, json!(true)));
    // The per-job temp dir is gone.
    let work = std::env::temp_dir();
    let left: Vec<_> = std::fs::read_dir(&work)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("mm-preview-"))
        .filter(|e| {
            std::fs::read_to_string(e.path().join(".owner"))
                .ok()
                .as_deref()
                == Some(&std::process::id().to_string())
        })
        .collect();
    assert!(left.is_empty(), "temp dirs left: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_file_renamed_mov_fails_once_with_a_reason() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let text = "INT. EDIT SUITE - NIGHT\nThe render bar does not move.\n".repeat(300);
    let done = t.upload("scene.mov", text.as_bytes(), json!({})).await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| j.state == "failed").await;
    assert_eq!(job.attempts, 1, "bad input is not retried");
    let reason = job.error.unwrap();
    assert!(reason.contains("not a media file"), "{reason}");
    let v = version_of(&t, version_id).await;
    assert_eq!(v.status, "failed");
    assert_eq!(v.error.as_deref(), Some(reason.as_str()));
    let (_, asset) = t.get(format!("/api/assets/{asset_id}")).await;
    assert_eq!(asset["status"], "failed");
    assert_eq!(asset["preview"]["state"], "failed");
    assert!(
        t.object(
            Bucket::Previews,
            &previews::master_key(&previews::prefix(asset_id, version_id))
        )
        .await
        .is_none()
    );
}

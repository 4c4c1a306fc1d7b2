//! A few kilobytes of crafted media cannot keep a worker busy: a Matroska file whose header
//! says 10 s while its six frames sit 100,000 s apart fails at once (not after retries), with
//! the reason on the job and the version, and leaves the work dir empty; a master longer
//! than MM_MAX_DURATION is refused before any encode.

use crate::ingest::Ingest;
use mm::db::models::job::JobRow;
use mm::db::models::version;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use uuid::Uuid;

/// On the unfixed code the crafted job runs for days; this only stops a hung test.
const HANG: Duration = Duration::from_secs(120);

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Six 64x64 frames 100,000 s apart, in Matroska, with the Segment's Duration rewritten to
/// 10 s: the file the audit used (about 2 KB).
fn crafted(dir: &Path) -> Vec<u8> {
    let path = dir.join("gaps.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=red:s=64x64:r=1",
        "-frames:v",
        "6",
        "-vf",
        "setpts=N*100000/TB",
        "-fps_mode",
        "passthrough",
        "-c:v",
        "mjpeg",
        "-q:v",
        "31",
        path.to_str().unwrap(),
    ]);
    let mut data = std::fs::read(&path).unwrap();
    // EBML Duration (0x4489), an 8-byte float in milliseconds.
    let at = data
        .windows(3)
        .position(|w| w == [0x44, 0x89, 0x88])
        .expect("the muxer wrote a Duration");
    data[at + 3..at + 11].copy_from_slice(&10_000.0f64.to_be_bytes());
    assert!(data.len() < 4096, "{} bytes", data.len());
    data
}

fn ids(done: &serde_json::Value) -> (Uuid, Uuid) {
    let id = |k: &str| Uuid::parse_str(done[k].as_str().unwrap()).unwrap();
    (id("asset_id"), id("version_id"))
}

async fn preview_job(t: &Ingest, asset: Uuid, done: impl Fn(&JobRow) -> bool) -> JobRow {
    crate::harness::wait_job_of(&t.state, asset, "preview", HANG, done).await
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_false_header_with_timestamp_gaps_fails_at_once_with_a_reason() {
    let work = tempfile::tempdir().unwrap();
    let work_dir = work.path().display().to_string();
    let t = Ingest::start(&[
        ("MM_X264_PRESET", "ultrafast"),
        ("MM_WORK_DIR", work_dir.as_str()),
    ])
    .await;
    let file = crafted(work.path());
    std::fs::remove_file(work.path().join("gaps.mkv")).unwrap();
    let done = t.upload("gaps.mkv", &file, json!({})).await;
    let (asset, version_id) = ids(&done);

    let job = preview_job(&t, asset, |j| j.state == "failed").await;
    assert_eq!(job.attempts, 1, "refused at once, not retried");
    let reason = job.error.unwrap();
    assert!(reason.contains("header"), "{reason}");
    let v = t
        .state
        .db
        .run(move |c| version::find(c, version_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.status, "failed");
    assert_eq!(v.error.as_deref(), Some(reason.as_str()));
    // The probe still recorded what the header claims.
    assert_eq!(v.technical.unwrap()["duration"], 10.0);
    assert!(
        entries(work.path()).is_empty(),
        "{:?}",
        entries(work.path())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn holes_and_lengths_past_the_limits_are_refused_before_encoding() {
    let work = tempfile::tempdir().unwrap();
    let work_dir = work.path().display().to_string();
    let t = Ingest::start(&[
        ("MM_X264_PRESET", "ultrafast"),
        ("MM_WORK_DIR", work_dir.as_str()),
        ("MM_MAX_DURATION", "1h"),
    ])
    .await;
    let src = tempfile::tempdir().unwrap();
    // An honest header, but 90 s between frames: ffmpeg would fill the hole with copies.
    let holes = src.path().join("holes.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=blue:s=64x64:r=1",
        "-frames:v",
        "4",
        "-vf",
        "setpts=N*90/TB",
        "-fps_mode",
        "passthrough",
        "-c:v",
        "mjpeg",
        holes.to_str().unwrap(),
    ]);
    // Two hours of one still picture: longer than this deployment's MM_MAX_DURATION.
    let long = src.path().join("long.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=green:s=64x64:r=1",
        "-frames:v",
        "2",
        "-vf",
        "setpts=N*7200/TB",
        "-fps_mode",
        "passthrough",
        "-c:v",
        "mjpeg",
        long.to_str().unwrap(),
    ]);
    for (name, path, says) in [
        ("holes.mkv", &holes, "hole"),
        ("long.mkv", &long, "MM_MAX_DURATION"),
    ] {
        let done = t
            .upload(name, &std::fs::read(path).unwrap(), json!({}))
            .await;
        let (asset, _) = ids(&done);
        let job = preview_job(&t, asset, |j| j.state == "failed").await;
        assert_eq!(job.attempts, 1, "{name}");
        let reason = job.error.unwrap();
        assert!(reason.contains(says), "{name}: {reason}");
    }
    assert!(
        entries(work.path()).is_empty(),
        "{:?}",
        entries(work.path())
    );
}

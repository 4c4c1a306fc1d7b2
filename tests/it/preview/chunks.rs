//! A long master in chunks across real worker processes (`MM_CHUNK_SECONDS`): a master whose
//! every frame carries its number as a block code and whose audio clicks every second is
//! encoded by two workers; every rung holds every frame once, in order, with every click
//! within one audio frame of its frame; a worker killed mid-chunk loses nothing.

use super::job::{id, preview_job, version_of};
use crate::harness::{WorkerProcess, ffmpegs_in};
use crate::ingest::{FAST, Ingest};
use mm::config::Role;
use mm::db::models::job::JobRow;
use mm::previews;
use mm::storage::{Bucket, PreviewKey};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use uuid::Uuid;

const FPS: u32 = 25;
const SECONDS: u32 = 14;
/// Bits of the frame code: one block column each, least significant on the left.
const BITS: u32 = 10;
/// AAC frames are 1024 samples at 48 kHz.
const AUDIO_FRAME: f64 = 1024.0 / 48000.0;

/// 320x240 at 25 fps: frame `n` shows `n` in binary as white and black columns; a 2 ms click
/// at every whole second; PCM audio, so the only audio encode is the preview's.
fn coded_master(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("coded.mov");
    let video = format!(
        "color=c=black:s=320x240:r={FPS}:d={SECONDS},\
         geq=lum='if(gt(mod(floor(N/pow(2,floor(X/32))),2),0.5),235,16)':cb=128:cr=128"
    );
    let audio = format!("aevalsrc='if(lt(mod(t\\,1)\\,0.002)\\,0.8\\,0)':s=48000:d={SECONDS}");
    let status = Command::new("ffmpeg")
        .args([
            "-v", "error", "-y", "-f", "lavfi", "-i", &video, "-f", "lavfi", "-i",
        ])
        .arg(&audio)
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-g", "50"])
        .args(["-pix_fmt", "yuv420p", "-c:a", "pcm_s16le"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

fn worker(t: &Ingest, name: &str, work: &Path, preset: &str) -> WorkerProcess {
    worker_with(t, name, work, preset, &[])
}

fn worker_with(
    t: &Ingest,
    name: &str,
    work: &Path,
    preset: &str,
    extra: &[(&str, &str)],
) -> WorkerProcess {
    let mut env = vec![
        ("MM_WORK_DIR", work.to_str().unwrap()),
        ("MM_X264_PRESET", preset),
        ("MM_PREVIEW_LADDER", "120,240"),
        ("MM_HLS_SEGMENT_SECONDS", "2"),
        ("MM_CHUNK_SECONDS", "4"),
        ("MM_FFMPEG_STALL_SECONDS", "60"),
    ];
    env.extend_from_slice(extra);
    WorkerProcess::start(&t.app, name, &env)
}

fn output(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The frame numbers read back from every decoded frame of `file`, with their times.
fn frame_codes(file: &Path, w: usize, h: usize) -> Vec<(u32, f64)> {
    let raw = output(
        Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(file)
            .args([
                "-map",
                "0:v:0",
                "-fps_mode",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ]),
    );
    let probe: Value = serde_json::from_slice(&output(
        Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", "v", "-show_entries"])
            .args(["frame=pts_time", "-of", "json"])
            .arg(file),
    ))
    .unwrap();
    let times: Vec<f64> = probe["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pts_time"].as_str().unwrap().parse().unwrap())
        .collect();
    let frames = raw.len() / (w * h);
    assert_eq!(frames, times.len(), "{}", file.display());
    (0..frames)
        .map(|i| {
            let frame = &raw[i * w * h..(i + 1) * w * h];
            let code = (0..BITS)
                .filter(|b| {
                    let x = ((*b as f64 + 0.5) * w as f64 / BITS as f64) as usize;
                    frame[(h / 2) * w + x] > 128
                })
                .fold(0, |v, b| v | (1 << b));
            (code, times[i])
        })
        .collect()
}

/// Where each click starts, in seconds of the file's own timeline (`-copyts`, padded from 0).
fn click_times(file: &Path) -> Vec<f64> {
    let raw = output(
        Command::new("ffmpeg")
            .args(["-v", "error", "-copyts", "-i"])
            .arg(file)
            .args([
                "-map",
                "0:a:0",
                "-af",
                "aresample=async=1:first_pts=0",
                "-ac",
                "1",
                "-ar",
                "48000",
                "-f",
                "s16le",
                "-",
            ]),
    );
    let mut clicks = Vec::new();
    let mut loud_at: Option<usize> = None;
    for (i, s) in raw.chunks_exact(2).enumerate() {
        if i16::from_le_bytes([s[0], s[1]]).unsigned_abs() > 8000 {
            if loud_at.is_none_or(|l| i - l > 24000) {
                clicks.push(i as f64 / 48000.0);
            }
            loud_at = Some(i);
        }
    }
    clicks
}

/// Every rung of the published set holds every frame once, in order, and each click starts
/// within one audio frame of the frame of its second.
async fn check_published(t: &Ingest, asset_id: Uuid, version_id: Uuid) {
    let prefix = previews::prefix(asset_id, version_id);
    let manifest: Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .expect("published"),
    )
    .unwrap();
    assert!(manifest["sprite_vtt"].is_string() && manifest["waveform"].is_string());
    let dir = tempfile::tempdir().unwrap();
    let renditions = manifest["renditions"].as_array().unwrap();
    // The ladder's two rungs, and the master packaged as it is (`source`, browser-safe H.264).
    let names: Vec<&str> = renditions
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["120p", "240p", "source"], "{manifest}");
    for r in renditions {
        let name = r["name"].as_str().unwrap();
        let bytes = t
            .object(
                Bucket::Previews,
                &format!("{prefix}/{}", r["mp4"].as_str().unwrap()),
            )
            .await
            .unwrap();
        let file = dir.path().join(format!("{name}.mp4"));
        std::fs::write(&file, bytes).unwrap();
        let (w, h) = (r["width"].as_u64().unwrap(), r["height"].as_u64().unwrap());
        let frames = frame_codes(&file, w as usize, h as usize);
        let codes: Vec<u32> = frames.iter().map(|f| f.0).collect();
        let expected: Vec<u32> = (0..FPS * SECONDS).collect();
        assert_eq!(codes, expected, "{name}: every frame once, in order");
        let clicks = click_times(&file);
        assert_eq!(clicks.len(), SECONDS as usize, "{name}: {clicks:?}");
        for (k, at) in clicks.iter().enumerate() {
            let frame_time = frames[k * FPS as usize].1;
            assert!(
                (at - frame_time).abs() <= AUDIO_FRAME,
                "{name}: click {k} at {at:.4} s, its frame at {frame_time:.4} s"
            );
        }
        if name == "source" {
            continue; // segmented on the master's own keyframes
        }
        let playlist = String::from_utf8(
            t.object(Bucket::Previews, &format!("{prefix}/{name}/index.m3u8"))
                .await
                .unwrap(),
        )
        .unwrap();
        // Keyframes on the 2 s grid: seven segments of 2 s, the segment list joined.
        assert_eq!(playlist.matches("#EXTINF:2.000").count(), 7, "{playlist}");
    }
}

async fn chunk_rows(t: &Ingest, version_id: Uuid) -> Vec<JobRow> {
    t.state
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use mm::db::schema::jobs;
            jobs::table
                .filter(jobs::kind.eq("preview_chunk"))
                .filter(jobs::version_id.eq(version_id))
                .select(JobRow::as_select())
                .load(c)
        })
        .await
        .unwrap()
}

/// No chunk of the run is left in storage once the set is published.
async fn chunks_removed(t: &Ingest, asset_id: Uuid, version_id: Uuid, run: Uuid) {
    let prefix = PreviewKey::new(asset_id, version_id).chunks(run);
    let left = t
        .state
        .storage
        .list(Bucket::Previews, &prefix)
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_share_the_chunks_and_the_joins_lose_no_frame_and_no_sync() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let master = coded_master(dir.path());
    let mut a = worker(&t, "a", work_a.path(), "ultrafast");
    let mut b = worker(&t, "b", work_b.path(), "ultrafast");
    let done = t
        .upload("coded.mov", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| !j.state.is_open()).await;
    assert_eq!(job.state, "succeeded", "{job:?}\n{}\n{}", a.log(), b.log());
    assert_eq!(version_of(&t, version_id).await.status, "ready");

    // 14 s in 4 s chunks: four chunk jobs, each run once, by both workers between them.
    let rows = chunk_rows(&t, version_id).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r.state == "succeeded" && r.attempts == 1),
        "{rows:?}"
    );
    let mut workers: Vec<&str> = rows.iter().filter_map(|r| r.worker.as_deref()).collect();
    workers.sort();
    workers.dedup();
    assert_eq!(workers.len(), 2, "{rows:?}");
    check_published(&t, asset_id, version_id).await;
    chunks_removed(&t, asset_id, version_id, job.id).await;
    a.kill();
    b.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_chunk_loses_nothing() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let master = coded_master(dir.path());
    // Chunks read at real time: the kill lands mid-chunk, and b gets one however fast a is.
    let slow = [("MM_PREVIEW_READ_RATE", "1")];
    let mut a = worker_with(&t, "a", work_a.path(), "ultrafast", &slow);
    let done = t
        .upload("coded.mov", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    preview_job(&t, asset_id, |j| j.state == "running").await;
    let mut b = worker_with(&t, "b", work_b.path(), "ultrafast", &slow);
    let tag = format!("-{}-", b.pid());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let taken = loop {
        let rows = chunk_rows(&t, version_id).await;
        if let Some(r) = rows.iter().find(|r| {
            r.state == "running"
                && r.progress > 0.0
                && r.worker.as_deref().is_some_and(|w| w.contains(&tag))
        }) {
            break r.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "b never ran a chunk: {rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    b.kill(); // SIGKILL mid-chunk.

    let job = preview_job(&t, asset_id, |j| !j.state.is_open()).await;
    assert_eq!(job.state, "succeeded", "{job:?}\n{}", a.log());
    let rows = chunk_rows(&t, version_id).await;
    let again = rows.iter().find(|r| r.id == taken.id).unwrap();
    assert_eq!(again.state, "succeeded", "{again:?}");
    assert_eq!(again.attempts, 2, "taken back and run again: {again:?}");
    assert_eq!(rows.len(), 4, "no chunk queued twice: {rows:?}");
    check_published(&t, asset_id, version_id).await;
    a.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_asset_stops_its_chunks_on_every_worker() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let master = coded_master(dir.path());
    // Chunks read at real time: they still encode when the asset is deleted.
    let slow = [("MM_PREVIEW_READ_RATE", "1")];
    let mut a = worker_with(&t, "a", work_a.path(), "ultrafast", &slow);
    let mut b = worker_with(&t, "b", work_b.path(), "ultrafast", &slow);
    let done = t
        .upload("coded.mov", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !chunk_rows(&t, version_id)
        .await
        .iter()
        .any(|r| r.state == "running" && r.progress > 0.0)
    {
        assert!(std::time::Instant::now() < deadline, "no chunk ran");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, body) = t
        .call(
            reqwest::Method::DELETE,
            format!("/api/assets/{asset_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");

    let job = preview_job(&t, asset_id, |j| !j.state.is_open()).await;
    assert_eq!(job.state, "failed", "{job:?}");
    assert!(
        job.error.as_deref().unwrap_or("").contains("deleted"),
        "{job:?}"
    );
    let rows = chunk_rows(&t, version_id).await;
    assert!(rows.iter().all(|r| !r.state.is_open()), "{rows:?}");
    assert!(rows.iter().any(|r| r.state == "cancelled"), "{rows:?}");
    // Both workers' ffmpegs stop: nothing encodes on for a deleted asset.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while ffmpegs_in(work_a.path()) + ffmpegs_in(work_b.path()) > 0 {
        assert!(std::time::Instant::now() < deadline, "an ffmpeg encodes on");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    a.kill();
    b.kill();
}

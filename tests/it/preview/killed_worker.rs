//! Two real worker processes; the one encoding a preview is killed with SIGKILL mid-encode.
//! The other reclaims the job and publishes a complete set; at no moment is a master playlist
//! visible whose renditions are missing; the killed worker's ffmpeg does not live on.

use super::clips::{Audio, Clip};
use super::job::{id, preview_job, version_of};
use crate::harness::{WorkerProcess, ffmpegs_in};
use crate::ingest::{FAST, Ingest};
use mm::config::Role;
use mm::previews;
use mm::storage::{Bucket, DynStorage};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn worker(t: &Ingest, name: &str, work: &Path) -> WorkerProcess {
    worker_with(t, name, work, &[])
}

fn worker_with(t: &Ingest, name: &str, work: &Path, extra: &[(&str, &str)]) -> WorkerProcess {
    let mut env = vec![
        ("MM_WORK_DIR", work.to_str().unwrap()),
        // Slow enough that the kill lands mid-encode on any machine.
        ("MM_X264_PRESET", "medium"),
        ("MM_PREVIEW_LADDER", "180,360"),
    ];
    env.extend_from_slice(extra);
    WorkerProcess::start(&t.app, name, &env)
}

/// Whether a master playlist exists under `prefix` while a rendition it names is missing.
async fn half_visible(storage: &DynStorage, prefix: &str) -> Option<String> {
    let master = storage
        .get(Bucket::Previews, &previews::master_key(prefix), None)
        .await
        .ok()?;
    let text = String::from_utf8(mm::storage::collect(master.body, 1 << 20).await.ok()?).ok()?;
    for uri in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let dir = uri.trim_end_matches("index.m3u8");
        for file in [uri.to_string(), format!("{dir}media.mp4")] {
            if storage
                .head(Bucket::Previews, &format!("{prefix}/{file}"))
                .await
                .is_err()
            {
                return Some(format!("index.m3u8 visible without {file}:\n{text}"));
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_mid_encode_is_replaced_and_no_half_set_is_ever_visible() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut clip = Clip::video("long", 640, 360, Audio::Stereo);
    clip.seconds = 20.0;
    let master = clip.make(dir.path());
    let mut a = worker(&t, "a", work_a.path());
    let done = t
        .upload("long.mp4", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let prefix = previews::prefix(asset_id, version_id);

    // Watches storage the whole time for a master playlist ahead of its renditions.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (storage, prefix, stop) = (t.state.storage.clone(), prefix.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(problem) = half_visible(&storage, &prefix).await {
                    return Some(problem);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            None
        })
    };

    let running = preview_job(&t, asset_id, |j| j.state == "running" && j.progress > 5.0).await;
    let pid = a.pid().to_string();
    assert!(
        running
            .worker
            .as_deref()
            .unwrap()
            .contains(&format!("-{pid}-")),
        "{running:?}"
    );
    assert!(ffmpegs_in(work_a.path()) > 0, "worker a encodes");
    a.kill(); // SIGKILL: no drain, no hand-back, no destructor.
    let mut b = worker(&t, "b", work_b.path());

    let finished = preview_job(&t, asset_id, |j| {
        !matches!(j.state.as_str(), "queued" | "running")
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let log = b.log();
    assert_eq!(finished.state, "succeeded", "{finished:?}\n{log}");
    assert_eq!(finished.attempts, 2, "the killed attempt counts");
    assert_ne!(
        finished.worker, running.worker,
        "another worker finished it"
    );
    assert_eq!(watcher.await.unwrap(), None);
    assert_eq!(version_of(&t, version_id).await.status, "ready");
    let manifest: serde_json::Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let key = format!("{prefix}/{}", f["path"].as_str().unwrap());
        let got = t
            .object(Bucket::Previews, &key)
            .await
            .expect("listed file exists");
        assert_eq!(got.len() as u64, f["size"].as_u64().unwrap(), "{key}");
    }
    assert_eq!(half_visible(&t.state.storage, &prefix).await, None);
    // The killed worker's ffmpeg died with it (it would otherwise encode on for nobody).
    let deadline = Instant::now() + Duration::from_secs(30);
    while ffmpegs_in(work_a.path()) > 0 {
        assert!(Instant::now() < deadline, "worker a's ffmpeg outlived it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_encode_hands_the_job_back_and_another_worker_finishes_it() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut clip = Clip::video("term", 640, 360, Audio::Stereo);
    clip.seconds = 20.0;
    let master = clip.make(dir.path());
    // A short deadline, so the hand-back (not the finish) is what normally happens.
    let mut a = worker_with(&t, "a", work_a.path(), &[("MM_SHUTDOWN_TIMEOUT", "2")]);
    let done = t
        .upload("term.mp4", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let running = preview_job(&t, asset_id, |j| j.state == "running" && j.progress > 5.0).await;

    // SIGTERM: the worker stops taking jobs, gives the encode until shortly before its
    // shutdown deadline, then hands the job back and exits cleanly.
    let status = a.terminate();
    assert!(status.success(), "{status:?}");
    let after = t.job(running.id).await;
    assert!(
        matches!(after.state.as_str(), "queued" | "succeeded"),
        "handed back or finished: {after:?}"
    );
    // Nothing of the stopped worker is left: no ffmpeg, no temp dir.
    assert_eq!(ffmpegs_in(work_a.path()), 0);
    assert_eq!(std::fs::read_dir(work_a.path()).unwrap().count(), 0);

    let mut b = worker(&t, "b", work_b.path());
    let finished = preview_job(&t, asset_id, |j| {
        j.state == "succeeded" || j.state == "failed"
    })
    .await;
    assert_eq!(finished.state, "succeeded", "{finished:?}");
    assert_eq!(version_of(&t, version_id).await.status, "ready");
    b.kill();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_with_two_slots_each_run_every_preview_exactly_once() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let (work_a, work_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fast = [
        ("MM_WORKER_CONCURRENCY", "2"),
        ("MM_X264_PRESET", "ultrafast"),
    ];
    let mut a = worker_with(&t, "a", work_a.path(), &fast);
    let mut b = worker_with(&t, "b", work_b.path(), &fast);
    let dir = tempfile::tempdir().unwrap();
    let mut assets = Vec::new();
    for i in 0..4 {
        let name: &'static str = ["c0", "c1", "c2", "c3"][i];
        let clip = Clip::video(name, 320, 240, Audio::Stereo).make(dir.path());
        let done = t
            .upload(
                &format!("{name}.mp4"),
                &std::fs::read(&clip).unwrap(),
                json!({}),
            )
            .await;
        assets.push((id(&done["asset_id"]), id(&done["version_id"])));
    }
    for (asset_id, version_id) in &assets {
        let job = preview_job(&t, *asset_id, |j| {
            !matches!(j.state.as_str(), "queued" | "running")
        })
        .await;
        assert_eq!(job.state, "succeeded", "{job:?}");
        // One attempt: no job was ever taken by a second worker while the first ran it.
        assert_eq!(job.attempts, 1, "{job:?}");
        assert_eq!(version_of(&t, *version_id).await.status, "ready");
        let prefix = previews::prefix(*asset_id, *version_id);
        assert_eq!(half_visible(&t.state.storage, &prefix).await, None);
    }
    a.kill();
    b.kill();
}

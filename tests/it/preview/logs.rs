//! Logs you can follow: a line the ffmpeg wrapper writes while a worker runs a preview job
//! carries that job's span (`job_id`, `kind`, `asset_id`), in the worker's own JSON logs.

use super::clips::{Audio, Clip};
use super::job::{PREVIEW_ENV, id, preview_job};
use crate::harness::WorkerProcess;
use crate::ingest::{FAST, Ingest};
use mm::config::Role;
use serde_json::{Value, json};

/// The span named `name` around a JSON log line, if any.
fn span<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    line["spans"].as_array()?.iter().find(|s| s["name"] == name)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ffmpeg_log_line_during_a_preview_job_names_the_job() {
    let t = Ingest::with_role(Role::Api, FAST).await;
    let mut env = PREVIEW_ENV.to_vec();
    env.extend([
        ("MM_LOG_FORMAT", "json"),
        ("RUST_LOG", "info,mm::media::ffmpeg=debug"),
    ]);
    let worker = WorkerProcess::start(&t.app, "worker", &env);
    let dir = tempfile::tempdir().unwrap();
    let clip = Clip::video("spans", 320, 240, Audio::Stereo).make(dir.path());
    let done = t
        .upload("spans.mp4", &std::fs::read(&clip).unwrap(), json!({}))
        .await;
    let asset_id = id(&done["asset_id"]);
    let job = preview_job(&t, asset_id, |j| j.state == "succeeded").await;
    let promote = id(&done["job_id"]);

    let lines: Vec<Value> = worker
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let ffmpeg: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("mm::media::ffmpeg"))
        })
        .collect();
    let of_job: Vec<&Value> = ffmpeg
        .iter()
        .copied()
        .filter(|l| span(l, "job").is_some_and(|s| s["job_id"] == job.id.to_string()))
        .collect();
    assert!(
        !of_job.is_empty(),
        "no ffmpeg line names job {}:\n{}",
        job.id,
        worker.log_tail(40)
    );
    for l in &of_job {
        let s = span(l, "job").unwrap();
        assert_eq!(s["kind"], "preview", "{l}");
        assert_eq!(s["asset_id"], asset_id.to_string(), "{l}");
        // The innermost span is the job's, so the flat `span` object names it too.
        assert_eq!(l["span"]["job_id"], job.id.to_string(), "{l}");
    }
    // An ffmpeg line inside a job names one of this test's two jobs, never another.
    for l in &ffmpeg {
        if let Some(owner) = span(l, "job").and_then(|s| s["job_id"].as_str()) {
            assert!(
                owner == job.id.to_string() || owner == promote.to_string(),
                "{l}"
            );
        }
    }
    // The runner's own outcome line is written inside the same span.
    let succeeded = lines
        .iter()
        .find(|l| l["message"] == "job succeeded" && l["job_id"] == job.id.to_string())
        .unwrap_or_else(|| panic!("no outcome line:\n{}", worker.log_tail(40)));
    assert_eq!(
        span(succeeded, "job").unwrap()["job_id"],
        job.id.to_string()
    );
}

//! Preview pipeline tests on tiny clips that ffmpeg generates in the test: ladder outputs,
//! bad inputs, the stall watchdog, and (with the job system) the preview job.

mod api;
mod audio_mapping;
mod bad_input;
mod chunks;
pub mod clips;
mod events;
mod geometry;
mod hdr_page;
pub mod job;
mod killed_worker;
mod ladder;
mod logs;
mod masters;
mod playable;
mod publish;
mod s3;
mod tonemap_lut;

use clips::ffprobe_json;
use mm::config::{Env, PreviewConfig};
use mm::media::encoder::Encoder;
use mm::media::pipeline::{self, Manifest, Settings};
use mm::media::{MediaInput, TechnicalMetadata, Tools, probe};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// ffmpeg and ffprobe from PATH, with a watchdog long enough for a loaded CI machine.
pub fn tools() -> Tools {
    Tools {
        ffmpeg: "ffmpeg".into(),
        ffprobe: "ffprobe".into(),
        stall: Duration::from_secs(60),
    }
}

/// Product settings, with x264's fastest preset to spare the test machine's cores.
pub fn settings() -> Settings {
    let mut p = vec![];
    let config =
        PreviewConfig::from_env(&Env::from_pairs([("MM_X264_PRESET", "ultrafast")]), &mut p);
    assert!(p.is_empty());
    Settings::new(&config, Encoder::software(&config))
}

/// Probes and renders `master` into a fresh directory; returns what was made.
pub async fn render(master: &Path) -> (TechnicalMetadata, Manifest, tempfile::TempDir) {
    render_with(master, &settings()).await
}

pub async fn render_with(
    master: &Path,
    settings: &Settings,
) -> (TechnicalMetadata, Manifest, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let input = MediaInput::Path(master.to_path_buf());
    let meta = probe::probe(&tools(), &input).await.expect("probe");
    let mut last = -1.0;
    let manifest = pipeline::render(&tools(), settings, &meta, &input, out.path(), |p, _| {
        assert!(p >= last, "progress went back from {last} to {p}");
        last = p;
    })
    .await
    .expect("render");
    assert_eq!(last, 100.0);
    (meta, manifest, out)
}

/// One `#EXT-X-STREAM-INF` of a master playlist, attributes as written.
#[derive(Debug)]
pub struct StreamInf {
    pub attrs: Vec<(String, String)>,
    pub uri: String,
}

impl StreamInf {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// A small m3u8 master parser: attribute lists split on commas outside quotes.
pub fn parse_master(text: &str) -> Vec<StreamInf> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"#EXTM3U"), "{text}");
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(list) = line.strip_prefix("#EXT-X-STREAM-INF:") else {
            continue;
        };
        let mut attrs = Vec::new();
        let (mut cur, mut quoted) = (String::new(), false);
        for c in list.chars().chain([',']) {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    let (k, v) = cur.split_once('=').expect("key=value");
                    attrs.push((k.to_string(), v.to_string()));
                    cur.clear();
                }
                c => cur.push(c),
            }
        }
        out.push(StreamInf {
            attrs,
            uri: lines[i + 1].to_string(),
        });
    }
    out
}

/// Keyframe times of the video stream of `file`.
pub fn keyframes(file: &Path) -> Vec<String> {
    let v = ffprobe_json(&[
        "-select_streams",
        "v:0",
        "-skip_frame",
        "nokey",
        "-show_entries",
        "frame=pts_time",
        file.to_str().unwrap(),
    ]);
    v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["pts_time"].as_str().unwrap().to_string())
        .collect()
}

pub fn path_in(dir: &tempfile::TempDir, rel: &str) -> PathBuf {
    dir.path().join(rel)
}

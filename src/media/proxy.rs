//! The download a share link's `proxy` permission gives: one progressive MP4 made from the
//! ladder, the rung of `PROXY_HEIGHT` (else the largest below it, else the smallest), its
//! video and audio copied as they are (`-c copy`, nothing encoded) with the movie header
//! first (`+faststart`), so any player opens it and starts before the whole file is there.

use super::MediaInput;
use super::ffmpeg::{FfmpegError, Tools};
use super::passthrough::SOURCE;
use super::pipeline::{Manifest, RenditionInfo};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The proxy is the ladder's rung of this height, else the largest below it.
pub const PROXY_HEIGHT: u32 = 720;
/// Its file beside the preview's other outputs.
pub const PROXY: &str = "proxy.mp4";

/// What `manifest.json` records of a made proxy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyInfo {
    pub path: String,
    /// The rung it was copied from, e.g. `720p`.
    pub rung: String,
    pub height: u32,
    pub size: u64,
}

/// The rung the proxy is: `PROXY_HEIGHT`, else the largest below it, else the smallest. Only
/// encoded rungs: the `source` rendition is the master's own video, which only an `original`
/// download may give.
pub fn proxy_rung(m: &Manifest) -> Option<&RenditionInfo> {
    let h = |r: &&RenditionInfo| r.height.unwrap_or(0);
    let rungs = || {
        m.renditions
            .iter()
            .filter(|r| r.height.is_some() && r.name != SOURCE)
    };
    rungs()
        .filter(|r| h(r) <= PROXY_HEIGHT)
        .max_by_key(h)
        .or_else(|| rungs().min_by_key(h))
}

/// The manifest's proxy when it is still the one its rung gives (a re-render drops it).
pub fn current(m: &Manifest) -> Option<&ProxyInfo> {
    let rung = proxy_rung(m)?;
    m.proxy
        .as_ref()
        .filter(|p| p.rung == rung.name && m.files.iter().any(|f| f.path == p.path))
}

/// Copies the rung's fragmented MP4 at `rung` into the progressive MP4 `out`: its first video
/// and (when it has one) audio stream, unchanged, movie header first.
pub async fn remux(tools: &Tools, rung: &Path, out: &Path) -> Result<(), FfmpegError> {
    tools
        .ffmpeg()
        .args(MediaInput::Path(rung.to_path_buf()).input_args())
        .args([
            "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-dn", "-sn",
        ])
        .args(["-movflags", "+faststart", "-f", "mp4"])
        .arg(out)
        .run(|_| {})
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(heights: &[(&str, u32)]) -> Manifest {
        let renditions: Vec<serde_json::Value> = heights
            .iter()
            .map(|(name, h)| {
                serde_json::json!({"name": name, "playlist": format!("{name}/index.m3u8"),
                    "mp4": format!("{name}/media.mp4"), "width": h * 16 / 9, "height": h,
                    "bandwidth": 1, "average_bandwidth": 1, "codecs": "avc1.64001f"})
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "master": "index.m3u8", "duration": 10.0, "files": [], "renditions": renditions,
            "poster": null, "poster_time": null, "sprite_vtt": null, "waveform": null,
            "still": false, "audio_mapping": null, "color": null, "proxy": null
        }))
        .expect("a manifest")
    }

    #[test]
    fn the_proxy_is_an_encoded_rung_never_the_masters_own_video() {
        let name = |m: &Manifest| proxy_rung(m).map(|r| r.name.clone());
        let m = manifest(&[("360p", 360), ("720p", 720), ("1080p", 1080), (SOURCE, 720)]);
        assert_eq!(name(&m).as_deref(), Some("720p"));
        let m = manifest(&[("360p", 360), ("540p", 540), (SOURCE, 540)]);
        assert_eq!(name(&m).as_deref(), Some("540p"));
        let m = manifest(&[("1080p", 1080), (SOURCE, 2160)]);
        assert_eq!(name(&m).as_deref(), Some("1080p"));
        assert_eq!(name(&manifest(&[(SOURCE, 480)])), None);
    }
}

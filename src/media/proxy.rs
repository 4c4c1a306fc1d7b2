//! The download a share link's `proxy` permission gives: one progressive MP4 made from the
//! ladder, the rung of `PROXY_HEIGHT` (else the largest below it, else the smallest), its
//! video and audio copied as they are (`-c copy`, nothing encoded) with the movie header
//! first (`+faststart`), so any player opens it and starts before the whole file is there.

use super::MediaInput;
use super::ffmpeg::{FfmpegError, Tools};
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

/// The rung the proxy is: `PROXY_HEIGHT`, else the largest below it, else the smallest.
pub fn proxy_rung(m: &Manifest) -> Option<&RenditionInfo> {
    let h = |r: &&RenditionInfo| r.height.unwrap_or(0);
    m.renditions
        .iter()
        .filter(|r| h(r) <= PROXY_HEIGHT && r.height.is_some())
        .max_by_key(h)
        .or_else(|| {
            m.renditions
                .iter()
                .filter(|r| r.height.is_some())
                .min_by_key(h)
        })
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

//! The `source` rendition: a master whose video browsers already play (H.264 8-bit 4:2:0
//! progressive, a profile and level they decode, keyframes at least every 10 s, at most 4K)
//! packaged for HLS as it is (`-c:v copy`), its audio copied when it is AAC stereo already and
//! made so otherwise with the version's audio mapping. It takes about as long as reading the
//! master, so the asset plays within seconds while the ladder is encoded.

use super::MediaInput;
use super::audio::AudioMapping;
use super::ffmpeg::{FfmpegError, Tools};
use super::ladder::{self, AUDIO_KBPS};
use super::pipeline;
use super::playlist::{self, Variant};
use super::probe::TechnicalMetadata;
use std::ffi::OsString;
use std::path::Path;

/// The rendition's name: its directory and its label in the master playlist.
pub const SOURCE: &str = "source";
/// Longest gap between two keyframes, seconds: a segment is at least that long.
pub const MAX_KEYFRAME_GAP: f64 = 10.0;
/// How much of the master's start the keyframe check reads (packet flags only, no decoding).
const SCAN_SECONDS: u32 = 120;
/// The source is listed in the final master playlist when its peak rate is at most this many
/// times the top rung's.
pub const MAX_RATE_OVER_TOP: f64 = 1.5;
/// Picture sizes browsers decode everywhere: 4K UHD and DCI 4K.
const MAX_LONG_SIDE: u32 = 4096;
const MAX_SHORT_SIDE: u32 = 2304;
/// H.264 level 5.1.
const MAX_LEVEL: i64 = 51;
const PROFILES: [&str; 4] = ["Constrained Baseline", "Baseline", "Main", "High"];

/// Why the master's video cannot be played by browsers as it is, or `Ok` when it can (the
/// keyframe spacing aside: `keyframe_gap` reads it from the packets).
pub fn unfit(meta: &TechnicalMetadata) -> Result<(), String> {
    let Some(v) = &meta.video else {
        return Err("no video".into());
    };
    let profile = v.profile.as_deref().unwrap_or("");
    let level = v.level.unwrap_or(0);
    let (long, short) = (v.width.max(v.height), v.width.min(v.height));
    let hdr = matches!(
        v.color_transfer.as_deref(),
        Some("smpte2084" | "arib-std-b67")
    );
    let why = if v.codec != "h264" {
        format!("the video is {}, not H.264", v.codec)
    } else if !PROFILES.contains(&profile) {
        format!("the H.264 profile {profile:?} is not one browsers decode")
    } else if !matches!(v.pix_fmt.as_deref(), Some("yuv420p" | "yuvj420p")) {
        format!(
            "the picture is {}, not 8-bit 4:2:0",
            v.pix_fmt.as_deref().unwrap_or("?")
        )
    } else if v.interlaced {
        "the picture is interlaced".into()
    } else if !(1..=MAX_LEVEL).contains(&level) {
        format!("the H.264 level {level} is above 5.1")
    } else if long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE {
        format!("{}x{} is larger than 4K", v.width, v.height)
    } else if v.rotation != 0 || v.sample_aspect.0 != v.sample_aspect.1 {
        "the picture is rotated or has non-square pixels".into()
    } else if hdr {
        "the picture is HDR".into()
    } else {
        return Ok(());
    };
    Err(why)
}

/// The longest time between keyframes (or from the last one to the end of what was read) in
/// the first `SCAN_SECONDS` of the master's video, from packet flags: no frame is decoded.
pub async fn keyframe_gap(tools: &Tools, input: &MediaInput) -> Result<f64, FfmpegError> {
    let mut a: Vec<OsString> = [
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=pts_time,flags",
        "-of",
        "csv=p=0",
    ]
    .map(OsString::from)
    .into();
    a.extend(["-read_intervals".into(), format!("%+{SCAN_SECONDS}").into()]);
    a.extend(input.input_args());
    let out = tools
        .ffprobe()
        .args(a)
        .redact(input.secret())
        .output()
        .await?;
    Ok(gap_of(&String::from_utf8_lossy(&out)))
}

/// The longest keyframe gap in ffprobe's `pts_time,flags` lines.
fn gap_of(csv: &str) -> f64 {
    let (mut first, mut last_key, mut last, mut gap) = (None, None::<f64>, 0.0_f64, 0.0_f64);
    for line in csv.lines() {
        let mut parts = line.split(',');
        let Some(t) = parts.next().and_then(|t| t.trim().parse::<f64>().ok()) else {
            continue;
        };
        first.get_or_insert(t);
        last = last.max(t);
        if parts.next().is_some_and(|f| f.starts_with('K')) {
            if let Some(k) = last_key {
                gap = gap.max(t - k);
            } else if let Some(f) = first.filter(|f| t > *f) {
                // Frames before the first keyframe cannot be shown.
                gap = gap.max(t - f);
            }
            last_key = Some(t);
        }
    }
    match last_key {
        Some(k) => gap.max(last - k),
        None => f64::INFINITY,
    }
}

/// Packages the master's video as it is into `out/source/` (fMP4 HLS, one file with a
/// byte-range VOD playlist, like a rung). Returns its master-playlist line, or none when a
/// segment came out longer than `MAX_KEYFRAME_GAP` (keyframes too far apart further on than
/// `keyframe_gap` read): the caller encodes instead.
pub async fn package(
    tools: &Tools,
    meta: &TechnicalMetadata,
    mapping: Option<AudioMapping>,
    segment_seconds: u32,
    input: &MediaInput,
    out: &Path,
) -> Result<Option<Variant>, FfmpegError> {
    let mut a: Vec<OsString> = input.input_args();
    let mut stream = "v:0".to_string();
    a.extend(["-map", "0:v:0", "-c:v", "copy"].map(OsString::from));
    let mapping = mapping
        .filter(|m| m.check(&meta.audio).is_ok())
        .or_else(|| AudioMapping::default_for(&meta.audio));
    if let Some(m) = mapping {
        stream.push_str(",a:0");
        let copy = match m {
            AudioMapping::Track(t) => meta
                .audio
                .iter()
                .find(|a| a.track == t)
                .filter(|a| a.codec == "aac" && a.channels == 2)
                .map(|_| t),
            _ => None,
        };
        match copy {
            Some(t) => a.extend([
                "-map".into(),
                format!("0:a:{}", t - 1).into(),
                "-c:a".into(),
                "copy".into(),
            ]),
            None => {
                let graph = format!(
                    "{};[amap]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a0]",
                    m.graph(0, "amap")
                );
                a.extend(["-filter_complex".into(), graph.into()]);
                a.extend(
                    [
                        "-map",
                        "[a0]",
                        "-c:a",
                        "aac",
                        "-b:a",
                        &format!("{AUDIO_KBPS}k"),
                        "-ac",
                        "2",
                    ]
                    .map(OsString::from),
                );
            }
        }
    }
    stream.push_str(&format!(",name:{SOURCE}"));
    a.extend(ladder::hls_args(segment_seconds, out, &[stream]));
    tools
        .ffmpeg()
        .args(a)
        .redact(input.secret())
        .run(|_| {})
        .await?;
    let text = tokio::fs::read_to_string(out.join(SOURCE).join("index.m3u8"))
        .await
        .map_err(pipeline::io("reading the source playlist"))?;
    let longest = playlist::parse_media(&text, |_| None)
        .segments
        .iter()
        .map(|s| s.duration)
        .fold(0.0, f64::max);
    if longest > MAX_KEYFRAME_GAP + 0.5 {
        tracing::info!(
            longest,
            "source keyframes too far apart to package; encoding"
        );
        let _ = tokio::fs::remove_dir_all(out.join(SOURCE)).await;
        return Ok(None);
    }
    pipeline::check_rendition(tools, SOURCE, meta.duration, out)
        .await
        .map(Some)
}

/// The `source` rendition of `meta`'s master in `out/source/` when its video can be played as
/// it is; none otherwise (the reason is logged), and none when packaging fails: the ladder is
/// encoded either way, so this never fails the job.
pub async fn try_package(
    tools: &Tools,
    meta: &TechnicalMetadata,
    mapping: Option<AudioMapping>,
    segment_seconds: u32,
    input: &MediaInput,
    out: &Path,
) -> Option<Variant> {
    if let Err(why) = unfit(meta) {
        tracing::info!(%why, "the master's video is encoded before it plays");
        return None;
    }
    match keyframe_gap(tools, input).await {
        Ok(gap) if gap <= MAX_KEYFRAME_GAP => {}
        Ok(gap) => {
            tracing::info!(gap, "the master's keyframes are too far apart to package");
            return None;
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the master's keyframes");
            return None;
        }
    }
    match package(tools, meta, mapping, segment_seconds, input, out).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "packaging the source failed; encoding");
            let _ = tokio::fs::remove_dir_all(out.join(SOURCE)).await;
            None
        }
    }
}

/// Whether the source is light enough to be listed beside a ladder whose top rung is `top`.
pub fn worth_listing(source: &Variant, top_bandwidth: Option<u64>) -> bool {
    top_bandwidth.is_some_and(|t| source.bandwidth as f64 <= t as f64 * MAX_RATE_OVER_TOP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframe_gaps_come_from_packet_flags() {
        let csv = "0.000000,K__\n0.033,___\n2.000,K__\n6.500,K__\n7.000,___\n";
        assert_eq!(gap_of(csv), 4.5);
        // The tail after the last keyframe counts too.
        assert_eq!(gap_of("0.0,K__\n1.0,K__\n13.0,___\n"), 12.0);
        assert_eq!(gap_of("0.0,___\n"), f64::INFINITY);
        assert_eq!(gap_of(""), f64::INFINITY);
    }

    #[test]
    fn only_browser_safe_h264_is_packaged() {
        let meta = |codec: &str, pix: &str, level: i64, w: u32| {
            let v = serde_json::json!({
                "codec": codec, "profile": "High", "level": level, "width": w, "height": 1080,
                "sample_aspect": [1, 1], "display_width": w, "display_height": 1080,
                "rotation": 0, "r_frame_rate": "30/1", "avg_frame_rate": "30/1",
                "frame_rate": 30.0, "vfr": false, "pix_fmt": pix, "bit_depth": 8,
                "color_primaries": null, "color_transfer": null, "color_space": null,
                "color_range": null
            });
            serde_json::from_value::<TechnicalMetadata>(serde_json::json!({
                "container": "mov", "duration": 60.0, "size": null, "bit_rate": null,
                "video": v, "audio": [], "timecode": null
            }))
            .unwrap()
        };
        assert_eq!(unfit(&meta("h264", "yuv420p", 40, 1920)), Ok(()));
        assert!(unfit(&meta("prores", "yuv422p10le", 0, 1920)).is_err());
        assert!(unfit(&meta("h264", "yuv422p", 40, 1920)).is_err());
        assert!(unfit(&meta("h264", "yuv420p", 52, 1920)).is_err());
        assert!(unfit(&meta("h264", "yuv420p", 51, 5000)).is_err());
    }
}

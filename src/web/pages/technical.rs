//! The asset page's "Technical" list: the probe's metadata of a version (see
//! `media::probe::TechnicalMetadata`) and what storage knows, as label and value pairs. Read
//! leniently from the stored JSON: a field the probe did not find is left out.

use super::format;
use crate::config::HdrTonemap;
use crate::db::models::version::Version;
use crate::media::color::{self, ColorPlan};
use crate::media::probe::VideoInfo;
use serde_json::Value;

fn text(v: &Value, path: &str) -> Option<String> {
    match v.pointer(path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(v: &Value, path: &str) -> Option<f64> {
    v.pointer(path)?.as_f64()
}

fn rate(fps: f64) -> String {
    let s = format!("{fps:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} fps")
}

/// ffprobe names demuxer families (`mov,mp4,m4a,3gp,3g2,mj2`); people know the formats.
fn container(raw: &str) -> String {
    match raw {
        "mov,mp4,m4a,3gp,3g2,mj2" => "QuickTime / MP4".into(),
        "matroska,webm" => "Matroska / WebM".into(),
        "mxf" => "MXF".into(),
        "wav" => "WAV".into(),
        other => other.replace(',', ", "),
    }
}

/// `HDR (PQ), previewed as SDR` and the like, for a master whose picture is converted.
fn dynamic_range(tech: &Value, tonemap: HdrTonemap) -> Option<String> {
    let v: VideoInfo = serde_json::from_value(tech.get("video")?.clone()).ok()?;
    let record = ColorPlan::new(&v, tonemap).record();
    color::label(&v, Some(&record))
}

pub fn rows(version: &Version, tech: &Value, tonemap: HdrTonemap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push((k.to_string(), v));
        }
    };
    push("File", Some(version.filename.clone()));
    push("Size", Some(format::size(version.size_bytes)));
    push("Container", text(tech, "/container").map(|c| container(&c)));
    push(
        "Duration",
        num(tech, "/duration").map(|d| format!("{} ({d:.3} s)", format::duration(Some(d)))),
    );
    if tech.get("video").is_some_and(|v| !v.is_null()) {
        let codec = match (text(tech, "/video/codec"), text(tech, "/video/profile")) {
            (Some(c), Some(p)) => Some(format!("{c} ({p})")),
            (c, _) => c,
        };
        push("Video", codec);
        let (w, h) = (num(tech, "/video/width"), num(tech, "/video/height"));
        let (dw, dh) = (
            num(tech, "/video/display_width"),
            num(tech, "/video/display_height"),
        );
        push(
            "Resolution",
            match (w, h) {
                (Some(w), Some(h)) if (dw, dh) != (Some(w), Some(h)) && dw.is_some() => Some(
                    format!("{w}×{h} (shown {}×{})", dw.unwrap_or(w), dh.unwrap_or(h)),
                ),
                (Some(w), Some(h)) => Some(format!("{w}×{h}")),
                _ => None,
            },
        );
        let vfr = tech.pointer("/video/vfr").and_then(Value::as_bool) == Some(true);
        push(
            "Frame rate",
            num(tech, "/video/frame_rate").map(|f| {
                if vfr {
                    format!("{} (variable)", rate(f))
                } else {
                    rate(f)
                }
            }),
        );
        push("Pixel format", text(tech, "/video/pix_fmt"));
        push(
            "Bit depth",
            text(tech, "/video/bit_depth").map(|b| format!("{b} bit")),
        );
        let color: Vec<String> = [
            "color_primaries",
            "color_transfer",
            "color_space",
            "color_range",
        ]
        .iter()
        .filter_map(|k| text(tech, &format!("/video/{k}")))
        .collect();
        push("Colour", (!color.is_empty()).then(|| color.join(" / ")));
        push("Dynamic range", dynamic_range(tech, tonemap));
        push(
            "Rotation",
            num(tech, "/video/rotation")
                .filter(|r| *r != 0.0)
                .map(|r| format!("{r}°")),
        );
    }
    if let Some(tracks) = tech.get("audio").and_then(Value::as_array) {
        for (i, a) in tracks.iter().enumerate() {
            let codec = text(a, "/codec").unwrap_or_default();
            let ch = match (text(a, "/channel_layout"), num(a, "/channels")) {
                (Some(l), _) => l,
                (None, Some(n)) => format!("{n} ch"),
                _ => String::new(),
            };
            let sr = num(a, "/sample_rate")
                .map(|r| format!("{} kHz", r / 1000.0))
                .unwrap_or_default();
            let label = if tracks.len() > 1 {
                format!("Audio {}", i + 1)
            } else {
                "Audio".into()
            };
            push(
                &label,
                Some(
                    [codec, ch, sr]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            );
        }
    }
    push(
        "Bit rate",
        num(tech, "/bit_rate").map(|b| format!("{:.1} Mbit/s", b / 1e6)),
    );
    let drop_frame = tech
        .pointer("/timecode_drop_frame")
        .and_then(Value::as_bool)
        == Some(true);
    push(
        "Timecode",
        text(tech, "/timecode").map(|t| {
            if drop_frame {
                format!("{t} (drop-frame)")
            } else {
                t
            }
        }),
    );
    push("SHA-256", version.sha256.clone());
    push("Stored", version.stored_at.map(format::datetime));
    push("Retained until", version.retain_until.map(format::datetime));
    out
}

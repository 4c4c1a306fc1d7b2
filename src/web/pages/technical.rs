//! The asset page's "Technical" list: the probe's metadata of a version (see
//! `media::probe::TechnicalMetadata`) and what storage knows, as label and value pairs. Read
//! leniently from the stored JSON: a field the probe did not find is left out.

use super::format;
use crate::db::models::version::Version;
use crate::media::audio::AudioMapping;
use crate::media::color::{self, ColorRecord};
use crate::media::probe::{AudioInfo, VideoInfo};
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
        // A still's demuxer names its format: `png_pipe` is PNG.
        other if other.ends_with("_pipe") => other.trim_end_matches("_pipe").to_uppercase(),
        other => other.replace(',', ", "),
    }
}

/// `HDR (PQ), previewed as SDR` and the like, for a master whose picture is converted: how
/// the published preview was made (`preview_color`, from its manifest), whatever the settings
/// are now.
fn dynamic_range(tech: &Value, preview_color: Option<&Value>) -> Option<String> {
    let v: VideoInfo = serde_json::from_value(tech.get("video")?.clone()).ok()?;
    let record: Option<ColorRecord> =
        preview_color.and_then(|c| serde_json::from_value(c.clone()).ok());
    color::label(&v, record.as_ref())
}

/// The audio mappings offered on the asset page for `tech`'s tracks, as (value, label,
/// selected): every track, each pair of neighbouring mono tracks, a 5.1 fold-down of the first
/// six when they are mono, and the current choice.
pub fn audio_choices(tech: &Value, current: Option<&str>) -> Vec<(String, String, bool)> {
    let audio: Vec<AudioInfo> = tech
        .get("audio")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    let mut choices: Vec<AudioMapping> =
        audio.iter().map(|a| AudioMapping::Track(a.track)).collect();
    let mono: Vec<u32> = audio
        .iter()
        .filter(|a| a.channels == 1)
        .map(|a| a.track)
        .collect();
    choices.extend(mono.chunks_exact(2).map(|p| AudioMapping::Pair(p[0], p[1])));
    if let Some(first) = mono.first() {
        let surround = AudioMapping::Surround(*first);
        if surround.check(&audio).is_ok() {
            choices.push(surround);
        }
    }
    let current: Option<AudioMapping> = current.and_then(|c| c.parse().ok());
    if let Some(c) = current.filter(|c| !choices.contains(c)) {
        choices.push(c);
    }
    choices
        .into_iter()
        .map(|m| (m.to_string(), m.describe(), Some(m) == current))
        .collect()
}

pub fn rows(version: &Version, tech: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push((k.to_string(), v));
        }
    };
    push("File", Some(version.filename.clone()));
    push("Size", Some(format::size(version.size_bytes)));
    push("Container", text(tech, "/container").map(|c| container(&c)));
    // A still has neither duration nor frame rate.
    let still = tech.get("still").and_then(Value::as_bool) == Some(true);
    push(
        "Duration",
        num(tech, "/duration")
            .filter(|_| !still)
            .map(|d| format!("{} ({d:.3} s)", format::duration(Some(d)))),
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
            num(tech, "/video/frame_rate").filter(|_| !still).map(|f| {
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
        push(
            "Dynamic range",
            dynamic_range(tech, version.preview_color.as_ref()),
        );
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
        "Preview audio",
        version
            .audio_mapping
            .as_deref()
            .and_then(|m| m.parse::<AudioMapping>().ok())
            .map(|m| m.describe()),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HdrTonemap;
    use crate::media::color::ColorPlan;

    #[test]
    fn hdr_masters_say_how_they_are_previewed() {
        let tech = serde_json::json!({"video": {
            "codec": "hevc", "profile": "Main 10", "width": 3840, "height": 2160,
            "sample_aspect": [1, 1], "display_width": 3840, "display_height": 2160,
            "rotation": 0, "r_frame_rate": "25/1", "avg_frame_rate": "25/1", "frame_rate": 25.0,
            "vfr": false, "pix_fmt": "yuv420p10le", "bit_depth": 10,
            "color_primaries": "bt2020", "color_transfer": "smpte2084",
            "color_space": "bt2020nc", "color_range": "tv"
        }});
        let recorded = |tonemap: HdrTonemap| {
            let v: VideoInfo = serde_json::from_value(tech["video"].clone()).unwrap();
            serde_json::to_value(ColorPlan::new(&v, tonemap).record()).unwrap()
        };
        assert_eq!(
            dynamic_range(&tech, Some(&recorded(HdrTonemap::Mobius))).as_deref(),
            Some("HDR (PQ), previewed as SDR")
        );
        assert_eq!(
            dynamic_range(&tech, Some(&recorded(HdrTonemap::Off))).as_deref(),
            Some("HDR (PQ), previewed without tone mapping")
        );
        // Before a preview records how it was made, the page claims nothing about it.
        assert_eq!(dynamic_range(&tech, None).as_deref(), Some("HDR (PQ)"));
    }

    #[test]
    fn eight_mono_tracks_offer_each_track_neighbouring_pairs_and_a_downmix() {
        let audio: Vec<Value> = (1..=8)
            .map(|t| serde_json::json!({"track": t, "codec": "pcm_s24le", "channels": 1, "channel_layout": "mono", "sample_rate": 48000}))
            .collect();
        let tech = serde_json::json!({ "audio": audio });
        let choices = audio_choices(&tech, Some("pair:1,2"));
        let values: Vec<&str> = choices.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(values.len(), 13, "{values:?}");
        assert!(values.contains(&"track:8") && values.contains(&"pair:7,8"));
        // The first six may be a 5.1 in film order: the downmix is offered.
        assert!(values.contains(&"5.1:1"));
        let selected: Vec<&str> = choices
            .iter()
            .filter(|c| c.2)
            .map(|c| c.0.as_str())
            .collect();
        assert_eq!(selected, ["pair:1,2"]);
    }
}

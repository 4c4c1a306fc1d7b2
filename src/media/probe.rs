//! ffprobe's JSON turned into the technical metadata stored on a version, with the checks
//! that reject inputs no preview can be made from.

use super::MediaInput;
use super::ffmpeg::{BadInput, FfmpegError, Tools};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Largest picture accepted: 8K DCI fits, a 100-megapixel still-frame trick does not.
const MAX_SIDE: u32 = 16_384;
const MAX_PIXELS: u64 = 8_192 * 8_192;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TechnicalMetadata {
    /// ffprobe's demuxer names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub container: String,
    pub duration: f64,
    pub size: Option<u64>,
    pub bit_rate: Option<u64>,
    pub video: Option<VideoInfo>,
    pub audio: Vec<AudioInfo>,
    /// Start timecode (`01:00:00:00`, `;` when drop-frame) of the container, a stream or tmcd.
    pub timecode: Option<String>,
    /// The start timecode counts drop-frame (29.97 and 59.94 masters marked with `;`).
    #[serde(default)]
    pub timecode_drop_frame: bool,
    /// A still picture (`media::still`): its picture as the video stream, no duration.
    #[serde(default)]
    pub still: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub codec: String,
    /// `profile` and `level` as ffprobe names them (H.264 level 51 is 5.1).
    pub profile: Option<String>,
    pub level: Option<i64>,
    /// Coded (stored) size.
    pub width: u32,
    pub height: u32,
    /// Sample aspect ratio `num:den` (1:1 for square pixels).
    pub sample_aspect: (u32, u32),
    /// Displayed size: SAR applied, then rotation.
    pub display_width: u32,
    pub display_height: u32,
    /// Clockwise degrees the picture is turned for display: 0, 90, 180 or 270.
    pub rotation: u32,
    /// `r_frame_rate` and `avg_frame_rate` as ffprobe gives them.
    pub r_frame_rate: String,
    pub avg_frame_rate: String,
    /// The rate used for previews, frames per second.
    pub frame_rate: f64,
    /// Variable frame rate (phones): the two rates disagree.
    pub vfr: bool,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<u32>,
    pub color_primaries: Option<String>,
    pub color_transfer: Option<String>,
    pub color_space: Option<String>,
    pub color_range: Option<String>,
    /// Interlaced (field order tt, bb, tb or bt): deinterlaced for previews.
    #[serde(default)]
    pub interlaced: bool,
    /// Dolby Vision profile (8 for the HDR10/HLG-compatible one) from the configuration record.
    pub dolby_vision_profile: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// 1-based position among the file's audio streams (`0:a:{track-1}` to ffmpeg).
    #[serde(default)]
    pub track: u32,
    pub codec: String,
    pub channels: u32,
    pub channel_layout: Option<String>,
    pub sample_rate: u32,
}

impl TechnicalMetadata {
    /// The displayed aspect ratio (width / height), rotation applied.
    pub fn display_aspect(&self) -> Option<f64> {
        self.video
            .as_ref()
            .map(|v| v.display_width as f64 / v.display_height.max(1) as f64)
    }
}

/// Probes `input` with ffprobe. Refuses empty, non-media and stream-less inputs as `BadInput`.
pub async fn probe(tools: &Tools, input: &MediaInput) -> Result<TechnicalMetadata, FfmpegError> {
    probe_with_head(tools, input, input.local_head().as_deref()).await
}

/// As `probe`, given the first bytes of a remote input (read by the caller with a range
/// request) so that a cut-off movie and a non-movie get different reasons.
pub async fn probe_with_head(
    tools: &Tools,
    input: &MediaInput,
    head: Option<&[u8]>,
) -> Result<TechnicalMetadata, FfmpegError> {
    if input.local_len() == Some(0) || head.is_some_and(|h| h.is_empty()) {
        return Err(FfmpegError::bad_input(BadInput::Empty, "0 bytes"));
    }
    let out = tools
        .ffprobe()
        .args(["-show_format", "-show_streams", "-print_format", "json"])
        .args(input.input_args())
        .redact(input.secret())
        .output()
        .await;
    match out {
        // The mov demuxer is chosen by the name alone for any file called .mov or .mp4, and
        // says "moov atom not found" for a text file too: only a file that starts like a
        // QuickTime/MP4 file is a truncated one.
        Err(FfmpegError::BadInput {
            kind: BadInput::Truncated,
            detail,
        }) if head.is_some_and(|h| !looks_like_iso_bmff(h)) => {
            Err(FfmpegError::bad_input(BadInput::NotMedia, detail))
        }
        Err(e) => Err(e),
        Ok(out) => parse(&out),
    }
}

/// Whether `head` starts with an ISO base media (MP4/QuickTime) box.
pub fn looks_like_iso_bmff(head: &[u8]) -> bool {
    const TYPES: [&[u8; 4]; 9] = [
        b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid", b"styp",
    ];
    head.len() >= 8 && TYPES.iter().any(|t| &head[4..8] == *t)
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize, Default)]
struct RawFormat {
    format_name: Option<String>,
    duration: Option<String>,
    size: Option<String>,
    bit_rate: Option<String>,
    #[serde(default)]
    tags: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct RawStream {
    codec_type: Option<String>,
    codec_name: Option<String>,
    profile: Option<String>,
    level: Option<i64>,
    width: Option<u32>,
    height: Option<u32>,
    sample_aspect_ratio: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    pix_fmt: Option<String>,
    bits_per_raw_sample: Option<String>,
    color_primaries: Option<String>,
    color_transfer: Option<String>,
    color_space: Option<String>,
    color_range: Option<String>,
    field_order: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    sample_rate: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    disposition: HashMap<String, i64>,
    #[serde(default)]
    tags: HashMap<String, String>,
    #[serde(default)]
    side_data_list: Vec<serde_json::Value>,
}

/// Parses ffprobe's `-show_format -show_streams` JSON.
pub fn parse(json: &[u8]) -> Result<TechnicalMetadata, FfmpegError> {
    parse_as(json, None)
}

/// Parses ffprobe's JSON of a still read with `demuxer`: the picture, no time.
pub fn parse_still(json: &[u8], demuxer: &str) -> Result<TechnicalMetadata, FfmpegError> {
    parse_as(json, Some(demuxer))
}

fn parse_as(json: &[u8], still: Option<&str>) -> Result<TechnicalMetadata, FfmpegError> {
    let raw: Raw = serde_json::from_slice(json).map_err(|e| FfmpegError::Output {
        program: "ffprobe",
        message: e.to_string(),
    })?;
    let format = raw.format.unwrap_or_default();
    let video = raw
        .streams
        .iter()
        .filter(|s| s.codec_type.as_deref() == Some("video"))
        .find(|s| s.disposition.get("attached_pic") != Some(&1) && s.codec_name.is_some())
        .map(video_info)
        .transpose()?;
    if let Some(demuxer) = still {
        let mut v = video.ok_or_else(|| {
            FfmpegError::bad_input(BadInput::NoStreams, "no picture could be read")
        })?;
        // A picture has no rate: ffprobe's 25/1 is the image demuxers' default.
        (v.r_frame_rate, v.avg_frame_rate) = ("0/0".into(), "0/0".into());
        (v.frame_rate, v.vfr, v.interlaced) = (0.0, false, false);
        return Ok(TechnicalMetadata {
            container: demuxer.to_string(),
            duration: 0.0,
            size: format.size.as_deref().and_then(|s| s.parse().ok()),
            bit_rate: None,
            video: Some(v),
            audio: Vec::new(),
            timecode: None,
            timecode_drop_frame: false,
            still: true,
        });
    }
    let audio: Vec<AudioInfo> = raw
        .streams
        .iter()
        .filter(|s| s.codec_type.as_deref() == Some("audio"))
        .enumerate()
        .filter(|(_, s)| s.codec_name.is_some())
        .map(|(i, s)| AudioInfo {
            track: i as u32 + 1,
            codec: s.codec_name.clone().unwrap_or_default(),
            channels: s.channels.unwrap_or(0),
            channel_layout: s.channel_layout.clone(),
            sample_rate: s
                .sample_rate
                .as_deref()
                .and_then(|r| r.parse().ok())
                .unwrap_or(0),
        })
        .filter(|a| a.channels > 0)
        .collect();
    if video.is_none() && audio.is_empty() {
        return Err(FfmpegError::bad_input(
            BadInput::NoStreams,
            format!("{} streams, none video or audio", raw.streams.len()),
        ));
    }
    let stream_max = raw
        .streams
        .iter()
        .filter_map(|s| num(&s.duration))
        .fold(0.0_f64, f64::max);
    let duration = num(&format.duration)
        .filter(|d| *d > 0.0)
        .unwrap_or(stream_max);
    if duration.is_nan() || duration <= 0.0 {
        return Err(FfmpegError::bad_input(BadInput::NotMedia, "no duration"));
    }
    let timecode = format
        .tags
        .get("timecode")
        .or_else(|| raw.streams.iter().find_map(|s| s.tags.get("timecode")))
        .and_then(|t| valid_timecode(t));
    let timecode_drop_frame = timecode.as_deref().is_some_and(|t| t.contains([';', '.']));
    Ok(TechnicalMetadata {
        container: format.format_name.unwrap_or_default(),
        duration,
        size: format.size.as_deref().and_then(|s| s.parse().ok()),
        bit_rate: format.bit_rate.as_deref().and_then(|s| s.parse().ok()),
        video,
        audio,
        timecode,
        timecode_drop_frame,
        still: false,
    })
}

/// `HH:MM:SS:FF` (`;` or `.` before the frames when drop-frame), or none for anything else: a
/// tag is the uploader's text and is shown on pages.
fn valid_timecode(t: &str) -> Option<String> {
    let b = t.trim().as_bytes();
    let digits = |i: usize| b[i].is_ascii_digit() && b[i + 1].is_ascii_digit();
    let ok = b.len() == 11
        && [0, 3, 6, 9].into_iter().all(digits)
        && b[2] == b':'
        && b[5] == b':'
        && matches!(b[8], b':' | b';' | b'.');
    ok.then(|| t.trim().to_string())
}

fn num(s: &Option<String>) -> Option<f64> {
    s.as_deref()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|d| d.is_finite())
}

/// `30000/1001` as a number; `None` for `0/0`.
pub fn rational(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let (n, d): (f64, f64) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
    (n > 0.0 && d > 0.0).then(|| n / d)
}

fn video_info(s: &RawStream) -> Result<VideoInfo, FfmpegError> {
    let (width, height) = (s.width.unwrap_or(0), s.height.unwrap_or(0));
    if width == 0 || height == 0 {
        return Err(FfmpegError::bad_input(
            BadInput::NoStreams,
            "video stream without a size",
        ));
    }
    if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
        return Err(FfmpegError::bad_input(
            BadInput::TooLarge,
            format!("{width}x{height}"),
        ));
    }
    let sample_aspect = s
        .sample_aspect_ratio
        .as_deref()
        .and_then(|r| r.split_once(':'))
        .and_then(|(n, d)| Some((n.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
        .filter(|(n, d)| *n > 0 && *d > 0)
        .unwrap_or((1, 1));
    let rotation = rotation(s);
    let shown_w = (width as f64 * sample_aspect.0 as f64 / sample_aspect.1 as f64).round() as u32;
    let (display_width, display_height) = if rotation % 180 == 90 {
        (height, shown_w)
    } else {
        (shown_w, height)
    };
    let r = s.r_frame_rate.clone().unwrap_or_else(|| "0/0".into());
    let avg = s.avg_frame_rate.clone().unwrap_or_else(|| "0/0".into());
    let (rv, av) = (rational(&r), rational(&avg));
    let vfr = matches!((rv, av), (Some(r), Some(a)) if (r - a).abs() / a > 0.01);
    // avg_frame_rate is the truth for variable-rate footage, whose r_frame_rate is a timebase.
    let frame_rate = if vfr { av } else { rv.or(av) }.unwrap_or(25.0);
    let bit_depth = s
        .bits_per_raw_sample
        .as_deref()
        .and_then(|b| b.parse().ok())
        .filter(|b| *b > 0)
        .or_else(|| s.pix_fmt.as_deref().map(depth_of_pix_fmt));
    Ok(VideoInfo {
        codec: s.codec_name.clone().unwrap_or_default(),
        profile: s.profile.clone(),
        level: s.level.filter(|l| *l > 0),
        width,
        height,
        sample_aspect,
        display_width,
        display_height,
        rotation,
        r_frame_rate: r,
        avg_frame_rate: avg,
        frame_rate,
        vfr,
        pix_fmt: s.pix_fmt.clone(),
        bit_depth,
        color_primaries: s.color_primaries.clone(),
        color_transfer: s.color_transfer.clone(),
        color_space: s.color_space.clone(),
        color_range: s.color_range.clone(),
        interlaced: matches!(s.field_order.as_deref(), Some("tt" | "bb" | "tb" | "bt")),
        dolby_vision_profile: s
            .side_data_list
            .iter()
            .find(|d| {
                d.get("side_data_type").and_then(|t| t.as_str())
                    == Some("DOVI configuration record")
            })
            .and_then(|d| d.get("dv_profile").and_then(|p| p.as_u64()))
            .map(|p| p as u32),
    })
}

/// Clockwise display rotation from the display matrix side data or the legacy `rotate` tag.
fn rotation(s: &RawStream) -> u32 {
    // ffprobe reports the matrix's counter-clockwise angle; the legacy tag is clockwise.
    let clockwise = s
        .side_data_list
        .iter()
        .find_map(|d| d.get("rotation").and_then(|r| r.as_f64()))
        .map(|ccw| -ccw)
        .or_else(|| s.tags.get("rotate").and_then(|r| r.parse::<f64>().ok()))
        .unwrap_or(0.0);
    // Only multiples of 90 degrees are applied by the decoder's autorotation.
    (((clockwise / 90.0).round() as i64).rem_euclid(4) * 90) as u32
}

fn depth_of_pix_fmt(p: &str) -> u32 {
    for (tag, bits) in [("16", 16), ("14", 14), ("12", 12), ("10", 10), ("9", 9)] {
        if p.contains(&format!("p{tag}")) || p.ends_with(&format!("{tag}le")) {
            return bits;
        }
    }
    8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(
        streams: Vec<serde_json::Value>,
        format: serde_json::Value,
    ) -> Result<TechnicalMetadata, FfmpegError> {
        parse(
            serde_json::json!({"streams": streams, "format": format})
                .to_string()
                .as_bytes(),
        )
    }

    #[test]
    fn a_rotated_anamorphic_vfr_clip_is_described() {
        let m = meta(
            vec![serde_json::json!({
                "codec_type": "video", "codec_name": "h264", "width": 720, "height": 576,
                "sample_aspect_ratio": "64:45", "r_frame_rate": "90000/1", "avg_frame_rate": "2997/100",
                "pix_fmt": "yuv420p10le", "color_primaries": "bt709",
                "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}],
                "tags": {"timecode": "10:00:00:00"}
            }), serde_json::json!({"codec_type": "audio", "codec_name": "aac", "channels": 6, "sample_rate": "48000", "channel_layout": "5.1"})],
            serde_json::json!({"format_name": "mov,mp4", "duration": "12.5", "size": "1000"}),
        )
        .unwrap();
        let v = m.video.as_ref().unwrap();
        assert_eq!((v.display_width, v.display_height), (576, 1024));
        assert_eq!(v.rotation, 90);
        assert!(v.vfr);
        assert!((v.frame_rate - 29.97).abs() < 1e-9);
        assert_eq!(v.bit_depth, Some(10));
        assert_eq!(m.timecode.as_deref(), Some("10:00:00:00"));
        assert!(!m.timecode_drop_frame);
        assert_eq!(m.audio[0].track, 1);
        assert_eq!(m.audio[0].channels, 6);
        assert_eq!(m.duration, 12.5);
    }

    #[test]
    fn inputs_without_streams_or_duration_are_refused() {
        let e = meta(
            vec![serde_json::json!({"codec_type": "data"})],
            serde_json::json!({"duration": "3"}),
        )
        .unwrap_err();
        assert!(e.is_client_error());
        assert_eq!(e.to_string(), BadInput::NoStreams.reason());
        let e = meta(
            vec![serde_json::json!({"codec_type": "audio", "codec_name": "mp3", "channels": 2, "sample_rate": "44100"})],
            serde_json::json!({}),
        )
        .unwrap_err();
        assert!(e.is_client_error());
        let e = meta(
            vec![serde_json::json!({"codec_type": "video", "codec_name": "h264", "width": 40000, "height": 40000})],
            serde_json::json!({"duration": "3"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
    }

    #[test]
    fn drop_frame_timecodes_and_dolby_vision_are_recognised() {
        let m = meta(
            vec![
                serde_json::json!({"codec_type": "video", "codec_name": "hevc", "width": 64, "height": 64,
                "r_frame_rate": "30000/1001", "color_transfer": "smpte2084",
                "side_data_list": [{"side_data_type": "DOVI configuration record", "dv_profile": 8}]}),
                serde_json::json!({"codec_type": "data", "tags": {"timecode": "01:00:00;02"}}),
            ],
            serde_json::json!({"duration": "3"}),
        )
        .unwrap();
        assert_eq!(m.timecode.as_deref(), Some("01:00:00;02"));
        assert!(m.timecode_drop_frame);
        assert_eq!(m.video.unwrap().dolby_vision_profile, Some(8));
        let junk = meta(
            vec![serde_json::json!({"codec_type": "video", "codec_name": "h264", "width": 64, "height": 64})],
            serde_json::json!({"duration": "3", "tags": {"timecode": "<script>"}}),
        )
        .unwrap();
        assert_eq!(junk.timecode, None);
    }

    #[test]
    fn cover_art_is_not_video() {
        let m = meta(
            vec![
                serde_json::json!({"codec_type": "video", "codec_name": "mjpeg", "width": 500, "height": 500, "disposition": {"attached_pic": 1}}),
                serde_json::json!({"codec_type": "audio", "codec_name": "mp3", "channels": 2, "sample_rate": "44100"}),
            ],
            serde_json::json!({"duration": "3"}),
        )
        .unwrap();
        assert!(m.video.is_none());
        assert_eq!(m.audio.len(), 1);
    }
}

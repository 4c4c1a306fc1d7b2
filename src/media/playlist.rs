//! HLS playlists: reading what ffmpeg wrote for each rung, and the master playlist written
//! from what was really encoded (measured bandwidth, level, size, frame rate).

use super::ffmpeg::{FfmpegError, Tools};
use std::fmt::Write as _;
use std::path::Path;

/// One segment of a media playlist.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub duration: f64,
    /// Bytes of the segment (its `EXT-X-BYTERANGE` length, or the file's size).
    pub bytes: u64,
    pub uri: String,
}

/// What a media playlist says.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MediaPlaylist {
    pub target_duration: u32,
    pub segments: Vec<Segment>,
    pub ended: bool,
}

impl MediaPlaylist {
    pub fn duration(&self) -> f64 {
        self.segments.iter().map(|s| s.duration).sum()
    }

    /// Peak segment bitrate, bits/s: HLS's `BANDWIDTH`.
    pub fn peak_bandwidth(&self) -> u64 {
        self.segments
            .iter()
            .filter(|s| s.duration > 0.0)
            .map(|s| (s.bytes as f64 * 8.0 / s.duration).ceil() as u64)
            .max()
            .unwrap_or(0)
    }

    /// Mean bitrate over the whole rendition, bits/s: `AVERAGE-BANDWIDTH`.
    pub fn average_bandwidth(&self) -> u64 {
        let d = self.duration();
        if d <= 0.0 {
            return 0;
        }
        let bytes: u64 = self.segments.iter().map(|s| s.bytes).sum();
        (bytes as f64 * 8.0 / d).ceil() as u64
    }
}

/// Parses a media playlist. `file_size` gives the size of a whole-file segment URI.
pub fn parse_media(text: &str, file_size: impl Fn(&str) -> Option<u64>) -> MediaPlaylist {
    let mut pl = MediaPlaylist::default();
    let mut duration = None;
    let mut range = None;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            pl.target_duration = v.parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("#EXTINF:") {
            duration = v.split(',').next().and_then(|d| d.parse::<f64>().ok());
        } else if let Some(v) = line.strip_prefix("#EXT-X-BYTERANGE:") {
            range = v.split('@').next().and_then(|n| n.parse::<u64>().ok());
        } else if line == "#EXT-X-ENDLIST" {
            pl.ended = true;
        } else if !line.is_empty() && !line.starts_with('#') {
            if let Some(d) = duration.take() {
                let bytes = range.take().or_else(|| file_size(line)).unwrap_or(0);
                pl.segments.push(Segment {
                    duration: d,
                    bytes,
                    uri: line.to_string(),
                });
            }
        }
    }
    pl
}

/// One line of the master playlist.
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub uri: String,
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    pub resolution: Option<(u32, u32)>,
    pub codecs: String,
    pub frame_rate: Option<f64>,
}

/// Writes the master playlist, smallest rung first.
pub fn master(variants: &[Variant]) -> String {
    let mut out = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    for v in variants {
        out.push_str(&stream_inf(v));
    }
    out
}

/// One variant's `#EXT-X-STREAM-INF` line and URI, as `master` writes it.
pub fn stream_inf(v: &Variant) -> String {
    let mut out = format!(
        "#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={}",
        v.bandwidth, v.average_bandwidth
    );
    if let Some((w, h)) = v.resolution {
        let _ = write!(out, ",RESOLUTION={w}x{h}");
    }
    let _ = write!(out, ",CODECS=\"{}\"", v.codecs);
    if let Some(f) = v.frame_rate {
        let _ = write!(out, ",FRAME-RATE={f:.3}");
    }
    let _ = write!(out, "\n{}\n", v.uri);
    out
}

/// What ffprobe says about one encoded rung.
#[derive(Clone, Debug, PartialEq)]
pub struct EncodedRung {
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// `avc1.6400xx`, `mp4a.40.2`, comma-separated.
    pub codecs: String,
    pub frame_rate: Option<f64>,
}

/// Probes an encoded rung file for its real size, H.264 level and frame rate.
pub async fn inspect(tools: &Tools, media: &Path) -> Result<EncodedRung, FfmpegError> {
    let out = tools
        .ffprobe()
        .args(["-show_streams", "-print_format", "json", "-i"])
        .arg(media)
        .output()
        .await?;
    let v: serde_json::Value = serde_json::from_slice(&out).map_err(|e| FfmpegError::Output {
        program: "ffprobe",
        message: e.to_string(),
    })?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let mut codecs = Vec::new();
    let mut rung = EncodedRung {
        width: None,
        height: None,
        codecs: String::new(),
        frame_rate: None,
    };
    for s in &streams {
        match (s["codec_type"].as_str(), s["codec_name"].as_str()) {
            (Some("video"), Some("h264")) => {
                codecs.push(avc1(
                    s["profile"].as_str().unwrap_or(""),
                    s["level"].as_i64().unwrap_or(0),
                ));
                rung.width = s["width"].as_u64().map(|w| w as u32);
                rung.height = s["height"].as_u64().map(|h| h as u32);
                rung.frame_rate = s["avg_frame_rate"]
                    .as_str()
                    .and_then(super::probe::rational);
            }
            (Some("audio"), Some("aac")) => codecs.push("mp4a.40.2".into()),
            _ => {}
        }
    }
    rung.codecs = codecs.join(",");
    Ok(rung)
}

/// RFC 6381 codec string for H.264: profile_idc, constraint flags, level_idc in hex.
pub fn avc1(profile: &str, level: i64) -> String {
    let (idc, flags) = match profile {
        "Baseline" | "Constrained Baseline" => (0x42, 0xe0),
        "Main" => (0x4d, 0x40),
        "High 10" => (0x6e, 0x00),
        _ => (0x64, 0x00),
    };
    format!("avc1.{idc:02x}{flags:02x}{:02x}", level.clamp(0, 255))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNG: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n\
#EXT-X-MAP:URI=\"media.mp4\",BYTERANGE=\"1373@0\"\n#EXTINF:4.000000,\n#EXT-X-BYTERANGE:400000@1373\nmedia.mp4\n\
#EXTINF:2.000000,\n#EXT-X-BYTERANGE:100000@401373\nmedia.mp4\n#EXT-X-ENDLIST\n";

    #[test]
    fn byte_range_playlists_measure_peak_and_average() {
        let pl = parse_media(RUNG, |_| None);
        assert!(pl.ended);
        assert_eq!(pl.segments.len(), 2);
        assert_eq!(pl.duration(), 6.0);
        assert_eq!(pl.peak_bandwidth(), 800_000);
        assert_eq!(pl.average_bandwidth(), 666_667);
    }

    #[test]
    fn the_master_names_everything_players_need() {
        let m = master(&[Variant {
            uri: "360p/index.m3u8".into(),
            bandwidth: 900_000,
            average_bandwidth: 700_000,
            resolution: Some((640, 360)),
            codecs: "avc1.64001e,mp4a.40.2".into(),
            frame_rate: Some(30000.0 / 1001.0),
        }]);
        assert_eq!(
            m,
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\
#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",FRAME-RATE=29.970\n\
360p/index.m3u8\n"
        );
        assert_eq!(avc1("High", 40), "avc1.640028");
        assert_eq!(avc1("Main", 31), "avc1.4d401f");
    }
}

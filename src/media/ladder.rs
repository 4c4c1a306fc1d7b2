//! The HLS ladder: which rungs a master gets, their sizes and bitrates, and the ONE ffmpeg
//! command that decodes the master once and encodes every rung, the sprite sheet and the
//! waveform samples from that single decode.

use super::MediaInput;
use super::audio::AudioMapping;
use super::color::ColorPlan;
use super::encoder::Encoder;
use super::ffmpeg::{Invocation, Tools};
use super::images::{SpritePlan, even};
use super::probe::TechnicalMetadata;
use crate::config::HdrTonemap;
use std::ffi::OsString;
use std::path::Path;

/// Where the sprite's tiles are written during the encode (removed once joined).
pub const SPRITE_TILES: &str = "sprite-tiles";
/// AAC-LC stereo for every rung.
pub const AUDIO_KBPS: u32 = 128;
/// Waveform samples: mono s16 at this rate is plenty for drawing peaks.
pub const WAVE_RATE: u32 = 8000;
/// Frame rates above this are halved (a 120 fps phone clip previews at 60).
const MAX_FPS: f64 = 60.0;
/// Video kbit/s for a 16:9 picture whose short side is the first number.
const ANCHORS: [(u32, u32); 9] = [
    (144, 200),
    (240, 450),
    (360, 800),
    (480, 1100),
    (540, 1400),
    (720, 2800),
    (1080, 5000),
    (1440, 8000),
    (2160, 14000),
];

/// One rendition of the ladder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rung {
    /// Directory and label, e.g. `720p` (the short side), or `audio`.
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub video_kbps: u32,
    pub maxrate_kbps: u32,
    pub bufsize_kbps: u32,
}

/// Everything the one-pass command needs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Video rungs, smallest first; empty for audio-only masters.
    pub rungs: Vec<Rung>,
    pub audio: bool,
    /// Output frame rate as `num/den`, and in frames per second.
    pub fps: Option<(u32, u32)>,
    pub gop: u32,
    pub segment_seconds: u32,
    pub sprite: Option<SpritePlan>,
    pub waveform: bool,
    pub duration: f64,
    /// Deinterlace before anything else (broadcast and camera masters in 1080i).
    pub deinterlace: bool,
    /// The picture's conversion to 8-bit SDR BT.709 (none for audio-only masters).
    pub color: Option<ColorPlan>,
    /// Which tracks make the stereo (none without audio).
    pub audio_mapping: Option<AudioMapping>,
    /// How the renditions are written: one file each, or segment files that can be
    /// published while the encode goes on (`media::growing`).
    pub layout: HlsLayout,
    /// Read the master at this multiple of real time (`MM_PREVIEW_READ_RATE`).
    pub read_rate: Option<f64>,
}

/// How the HLS muxer writes a rendition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HlsLayout {
    /// `<name>/media.mp4` with a byte-range VOD playlist written at the end.
    #[default]
    SingleFile,
    /// An init file and one file per segment under an EVENT playlist that grows as each
    /// segment is finished; `growing::finish` makes it the same VOD set at the end.
    Growing,
}

impl Plan {
    /// The playlist directories in `var_stream_map` order.
    pub fn variant_names(&self) -> Vec<String> {
        if self.rungs.is_empty() {
            vec!["audio".into()]
        } else {
            self.rungs.iter().map(|r| r.name.clone()).collect()
        }
    }
}

/// Plans the ladder for a probed master. `mapping` is a chosen audio mapping (checked
/// against the master; the default for its tracks otherwise).
pub fn plan(
    meta: &TechnicalMetadata,
    ladder: &[u32],
    segment_seconds: u32,
    tonemap: HdrTonemap,
    mapping: Option<AudioMapping>,
) -> Plan {
    let audio = !meta.audio.is_empty();
    let audio_mapping = mapping
        .filter(|m| m.check(&meta.audio).is_ok())
        .or_else(|| AudioMapping::default_for(&meta.audio));
    let Some(v) = &meta.video else {
        return Plan {
            rungs: vec![],
            audio,
            fps: None,
            gop: 0,
            segment_seconds,
            sprite: None,
            waveform: audio,
            duration: meta.duration,
            deinterlace: false,
            color: None,
            audio_mapping,
            layout: HlsLayout::SingleFile,
            read_rate: None,
        };
    };
    let fps = output_fps(v.frame_rate);
    let fps_f = fps.0 as f64 / fps.1 as f64;
    let rungs = rungs(ladder, v.display_width, v.display_height, fps_f);
    let aspect = v.display_width as f64 / v.display_height.max(1) as f64;
    Plan {
        rungs,
        audio,
        fps: Some(fps),
        gop: (segment_seconds as f64 * fps_f).round().max(1.0) as u32,
        segment_seconds,
        sprite: Some(SpritePlan::new(meta.duration, aspect, fps_f)),
        waveform: audio,
        duration: meta.duration,
        deinterlace: v.interlaced,
        color: Some(ColorPlan::new(v, tonemap)),
        audio_mapping,
        layout: HlsLayout::SingleFile,
        read_rate: None,
    }
}

/// Rungs no larger than the source (the short side of the displayed picture decides), the
/// smallest one at source size when the source is smaller than every rung.
pub fn rungs(ladder: &[u32], display_w: u32, display_h: u32, fps: f64) -> Vec<Rung> {
    let short = display_w.min(display_h).max(2);
    let mut sides: Vec<u32> = ladder.iter().copied().filter(|r| *r <= short).collect();
    if sides.is_empty() {
        sides.push((short & !1).max(2));
    }
    let aspect = display_w as f64 / display_h.max(1) as f64;
    sides
        .into_iter()
        .map(|s| {
            let (width, height) = if aspect >= 1.0 {
                (even(s as f64 * aspect), s)
            } else {
                (s, even(s as f64 / aspect))
            };
            let kbps = video_kbps(width, height, fps);
            Rung {
                name: format!("{s}p"),
                width,
                height,
                video_kbps: kbps,
                maxrate_kbps: kbps * 3 / 2,
                bufsize_kbps: kbps * 2,
            }
        })
        .collect()
}

/// kbit/s for a picture: the anchor for its short side, interpolated, scaled by its area
/// relative to 16:9 and by 1.5 above 40 fps.
pub fn video_kbps(width: u32, height: u32, fps: f64) -> u32 {
    let short = width.min(height) as f64;
    let base = match ANCHORS.iter().position(|(s, _)| *s as f64 >= short) {
        Some(0) => ANCHORS[0].1 as f64 * short / ANCHORS[0].0 as f64,
        Some(i) => {
            let ((s0, k0), (s1, k1)) = (ANCHORS[i - 1], ANCHORS[i]);
            k0 as f64 + (k1 - k0) as f64 * (short - s0 as f64) / (s1 - s0) as f64
        }
        None => {
            let (s, k) = ANCHORS[ANCHORS.len() - 1];
            k as f64 * (short / s as f64).powi(2)
        }
    };
    let area = (width as f64 * height as f64) / (short * short * 16.0 / 9.0);
    let fps_factor = if fps > 40.0 { 1.5 } else { 1.0 };
    (base * area.clamp(0.6, 1.4) * fps_factor).round() as u32
}

/// A constant output rate: the source's, snapped to a standard rate when within 0.5%, halved
/// until at most 60 fps.
pub fn output_fps(rate: f64) -> (u32, u32) {
    let mut r = if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        25.0
    };
    while r > MAX_FPS + 0.01 {
        r /= 2.0;
    }
    const STANDARD: [(u32, u32); 9] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (48, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    ];
    let off = |(n, d): &(u32, u32)| ((*n as f64 / *d as f64) - r).abs() / r;
    STANDARD
        .iter()
        .filter(|s| off(s) < 0.005)
        .min_by(|a, b| off(a).total_cmp(&off(b)))
        .copied()
        .unwrap_or(((r * 1000.0).round() as u32, 1000))
}

/// The single ffmpeg command: decode once, split to every rung (and the sprite), encode,
/// write fMP4 HLS (one file per rung with byte-range playlists), the sprite sheet and raw
/// waveform samples into `out`.
pub fn command(
    tools: &Tools,
    plan: &Plan,
    encoder: &Encoder,
    input: &MediaInput,
    out: &Path,
    extras: bool,
) -> Invocation {
    let n = plan.rungs.len();
    let sprite = plan.sprite.filter(|_| extras);
    let mut graph = video_graph(plan, encoder, "", sprite.map(|s| s.filter()));
    let audio_outs = if plan.audio { n.max(1) } else { 0 };
    let wave = plan.waveform && extras;
    if plan.audio {
        graph.extend(audio_graph(plan, wave, audio_outs));
    }
    let mut a: Vec<OsString> = encoder.global_args();
    if let Some(rate) = plan.read_rate {
        a.extend(["-readrate".into(), rate.to_string().into()]);
    }
    a.extend(input.input_args());
    a.extend(["-filter_complex".into(), graph.join(";").into()]);
    let mut streams = Vec::new();
    for i in 0..n.max(audio_outs) {
        let mut parts = Vec::new();
        if i < n {
            a.extend(["-map".into(), format!("[v{i}]").into()]);
            parts.push(format!("v:{i}"));
        }
        if i < audio_outs {
            a.extend(["-map".into(), format!("[a{i}]").into()]);
            parts.push(format!("a:{i}"));
        }
        parts.push(format!("name:{}", plan.variant_names()[i]));
        streams.push(parts.join(","));
    }
    if n > 0 {
        a.extend(video_args(plan, encoder, 0));
        for (i, r) in plan.rungs.iter().enumerate() {
            a.extend(rate_args(r, &format!("v:{i}")));
        }
    }
    if audio_outs > 0 {
        a.extend(audio_args());
    }
    a.extend(match plan.layout {
        HlsLayout::SingleFile => hls_args(plan.segment_seconds, out, &streams),
        HlsLayout::Growing => super::growing::hls_args(plan.segment_seconds, out, &streams),
    });
    let dir = out.display();
    if sprite.is_some() {
        // Every selected frame as its own file, never duplicated to a constant rate.
        a.extend(
            [
                "-map",
                "[sprite]",
                "-fps_mode:v",
                "passthrough",
                "-q:v",
                "4",
                "-c:v",
                "mjpeg",
            ]
            .map(OsString::from),
        );
        a.extend([
            "-f".into(),
            "image2".into(),
            format!("{dir}/{SPRITE_TILES}/%04d.jpg").into(),
        ]);
    }
    if wave {
        a.extend(["-map", "[wave]", "-c:a", "pcm_s16le", "-f", "s16le"].map(OsString::from));
        a.push(format!("{dir}/wave.raw").into());
    }
    tools.ffmpeg().args(a).redact(input.secret())
}

/// The picture's filter graph: decode, deinterlace, the constant output rate (followed by
/// `after_fps`, e.g. a chunk's frame range), the colour conversion, one scaled branch
/// `[v<i>]` per rung and, with `sprite` (its filter), a `[sprite]` branch.
pub fn video_graph(
    plan: &Plan,
    encoder: &Encoder,
    after_fps: &str,
    sprite: Option<String>,
) -> Vec<String> {
    let mut graph = Vec::new();
    let n = plan.rungs.len();
    let Some((num, den)) = plan.fps.filter(|_| n > 0) else {
        return graph;
    };
    let branches = n + usize::from(sprite.is_some());
    let labels: String = (0..branches).map(|i| format!("[s{i}]")).collect();
    // One frame per frame pair, so motion stays as smooth as the source's frame rate.
    let bwdif = if plan.deinterlace {
        "bwdif=mode=send_frame,"
    } else {
        ""
    };
    // HDR, wide-gamut and 10-bit pictures are converted once, at the top rung's size,
    // so every rung, the sprite (and, with the same chain, the poster) are 8-bit BT.709.
    let top = plan.rungs.last().map_or((2, 2), |r| (r.width, r.height));
    let color = plan
        .color
        .as_ref()
        .map(|c| c.chain(top))
        .unwrap_or_default();
    graph.push(format!(
        "[0:v:0]{bwdif}fps={num}/{den}{after_fps},{color}split={branches}{labels}"
    ));
    for (i, r) in plan.rungs.iter().enumerate() {
        graph.push(format!(
            "[s{i}]scale={}:{}:flags=bicubic,setsar=1,format={}{}[v{i}]",
            r.width,
            r.height,
            encoder.pix_fmt(),
            encoder.upload_filter()
        ));
    }
    if let Some(s) = sprite {
        graph.push(format!("[s{n}]{s}[sprite]"));
    }
    graph
}

/// The audio graph: the chosen mapping, the waveform branch `[wave]` when `wave`, and `outs`
/// copies `[a<i>]` of the 48 kHz stereo the rungs carry.
pub fn audio_graph(plan: &Plan, wave: bool, outs: usize) -> Vec<String> {
    let mut graph = Vec::new();
    // The waveform branch leaves before the stereo conversion, so a mono source keeps
    // its level instead of the -3 dB of an upmix.
    let mapping = plan.audio_mapping.unwrap_or(AudioMapping::Track(1));
    graph.push(mapping.graph(0, "amap"));
    let source = if wave {
        graph.push("[amap]asplit=2[atop][aw]".into());
        graph.push(format!(
            "[aw]aformat=sample_fmts=s16:channel_layouts=mono,aresample={WAVE_RATE}[wave]"
        ));
        "[atop]"
    } else {
        "[amap]"
    };
    let labels: String = (0..outs).map(|i| format!("[a{i}]")).collect();
    graph.push(format!(
        "{source}aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asplit={outs}{labels}"
    ));
    graph
}

/// The rungs' AAC-LC stereo.
pub fn audio_args() -> Vec<OsString> {
    ["-c:a", "aac", "-b:a", &format!("{AUDIO_KBPS}k"), "-ac", "2"]
        .map(OsString::from)
        .to_vec()
}

/// Encoder, colour tags and the keyframe grid: a keyframe at every segment boundary, the
/// first at `first_segment` segments into the master (a chunk starts on one).
pub fn video_args(plan: &Plan, encoder: &Encoder, first_segment: u64) -> Vec<OsString> {
    let mut a = encoder.codec_args();
    if let Some(c) = &plan.color {
        a.extend(c.output_args().into_iter().map(OsString::from));
    }
    let seg = plan.segment_seconds;
    let first = if first_segment == 0 {
        "n_forced".to_string()
    } else {
        format!("(n_forced+{first_segment})")
    };
    a.extend(
        [
            "-g".into(),
            plan.gop.to_string(),
            "-keyint_min".into(),
            plan.gop.to_string(),
            "-force_key_frames:v".into(),
            format!("expr:gte(t,{first}*{seg})"),
        ]
        .map(OsString::from),
    );
    a
}

/// One rung's bitrate, peak and buffer for the video stream `spec` (`v:2`, or `v`).
pub fn rate_args(r: &Rung, spec: &str) -> Vec<OsString> {
    [
        format!("-b:{spec}"),
        format!("{}k", r.video_kbps),
        format!("-maxrate:{spec}"),
        format!("{}k", r.maxrate_kbps),
        format!("-bufsize:{spec}"),
        format!("{}k", r.bufsize_kbps),
    ]
    .map(OsString::from)
    .to_vec()
}

/// The HLS muxer options: fMP4, one file per variant (`<out>/<name>/media.mp4`) with a
/// byte-range playlist, for the `var_stream_map` entries in `streams`.
pub fn hls_args(segment_seconds: u32, out: &Path, streams: &[String]) -> Vec<OsString> {
    let dir = out.display();
    [
        "-map_metadata".into(),
        "-1".into(),
        "-map_chapters".into(),
        "-1".into(),
        "-f".into(),
        "hls".into(),
        "-hls_time".into(),
        segment_seconds.to_string(),
        "-hls_playlist_type".into(),
        "vod".into(),
        "-hls_segment_type".into(),
        "fmp4".into(),
        "-hls_flags".into(),
        "single_file+independent_segments".into(),
        "-hls_segment_filename".into(),
        format!("{dir}/%v/media.mp4"),
        "-var_stream_map".into(),
        streams.join(" "),
        format!("{dir}/%v/index.m3u8"),
    ]
    .map(OsString::from)
    .to_vec()
}

#[cfg(test)]
mod tests;

//! A long master's ladder in chunks: where the chunks of a master start and end, the ffmpeg
//! command that encodes one chunk's video for every rung, the one audio encode, and the
//! join of the chunks into the same renditions the one-pass ladder writes.
//!
//! How joins stay seamless:
//! - **Frames.** A chunk is a range of frames of the constant-rate output, not a range of
//!   seconds: chunk `k` holds output frames `[b_k, b_k+1)` with `b_k` the first frame at or
//!   after `k × chunk length`. Each chunk command reads with `-copyts -start_at_zero`, so
//!   timestamps are the master's own (as in the one-pass command), seeks a few seconds before
//!   its range, makes the constant rate with the same `fps` filter, and keeps its frames with
//!   `trim` on the output frame numbers (`start_pts`/`end_pts` in the `1/fps` time base). No
//!   frame can be in two chunks or in none.
//! - **Keyframes.** The chunk length is a multiple of the segment length, so every chunk
//!   starts on a segment boundary, with an IDR, and forces the next keyframes on the
//!   master's segment grid; the joined rendition is cut into the same segments as one pass.
//! - **Video join.** Each chunk writes one MPEG-TS per rung whose timestamps are the
//!   master's (`-avoid_negative_ts disabled`, so no chunk is shifted on its own); joining is
//!   appending the files in order, then one stream-copy remux per rung into the fMP4 HLS
//!   rendition (`ladder::hls_args`). Nothing is encoded twice.
//! - **Audio.** AAC has an encoder delay and pads its last frame: audio encoded per chunk
//!   and joined would repeat or lose samples at every boundary. Audio is cheap, so it is
//!   encoded once for the whole master (with the waveform samples from the same decode) by
//!   the job that joins, and copied into every rung: no audio boundary exists, and A/V sync
//!   is the one-pass's.

use super::MediaInput;
use super::encoder::Encoder;
use super::ffmpeg::{Invocation, Tools};
use super::ladder::{self, Plan};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::Path;

/// The most chunks one master is cut into; a longer master gets longer chunks.
pub const MAX_CHUNKS: u64 = 256;
/// How far before its first frame a chunk starts decoding, so the rate conversion and the
/// deinterlacer see the frames before it.
const SEEK_MARGIN: f64 = 3.0;
/// The audio of a chunked master, encoded once (`audio_command`).
pub const AUDIO: &str = "audio.mp4";
/// A chunk's sprite tiles, numbered as in the whole sheet.
pub const TILES: &str = "tiles";

/// One chunk: output frames `[start, end)`, the last one to the end of the master.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub index: u32,
    pub start: u64,
    pub end: Option<u64>,
    /// Segments of the master before this chunk.
    pub first_segment: u64,
}

/// The chunks of a master planned as `plan`, or none when it is not longer than two chunks
/// (or has no picture). Chunks are `chunk_seconds` long, longer when that would make more
/// than [`MAX_CHUNKS`]; always a whole number of segments.
pub fn split(plan: &Plan, chunk_seconds: u32) -> Option<Vec<Span>> {
    let (num, den) = plan.fps?;
    if plan.rungs.is_empty() || plan.duration <= 2.0 * chunk_seconds as f64 {
        return None;
    }
    let seg = plan.segment_seconds.max(1) as u64;
    let fitting = (plan.duration / (MAX_CHUNKS * seg) as f64).ceil() as u64 * seg;
    let length = (chunk_seconds.max(1) as u64).max(fitting);
    let mut count = (plan.duration / length as f64).ceil() as u64;
    // A last chunk shorter than a segment joins the one before it.
    let last = plan.duration - ((count - 1) * length) as f64;
    if last < seg as f64 {
        count -= 1;
    }
    let (num, den) = (num as u64, den as u64);
    let boundary = |k: u64| (k * length * num).div_ceil(den);
    Some(
        (0..count)
            .map(|k| Span {
                index: k as u32,
                start: boundary(k),
                end: (k + 1 < count).then(|| boundary(k + 1)),
                first_segment: k * length / seg,
            })
            .collect(),
    )
}

/// The rung file a chunk writes.
pub fn rung_file(name: &str) -> String {
    format!("{name}.ts")
}

/// The sprite tile a chunk starts with (0-based): the first whose frame (the first at or
/// after its time) is not before the chunk.
fn first_tile(plan: &Plan, span: &Span) -> u64 {
    match (plan.fps, plan.sprite) {
        (Some((num, den)), Some(s)) if span.start > 0 => {
            (span.start - 1) * den as u64 / (num as u64 * s.interval.max(1) as u64) + 1
        }
        _ => 0,
    }
}

/// The command that encodes `span`'s frames for every rung into `out/<rung>.ts`, and its
/// sprite tiles into `out/tiles/` (create it first).
pub fn command(
    tools: &Tools,
    plan: &Plan,
    encoder: &Encoder,
    input: &MediaInput,
    span: &Span,
    out: &Path,
) -> Invocation {
    let (num, den) = plan.fps.unwrap_or((25, 1));
    let start_time = span.start as f64 * den as f64 / num as f64;
    // The first chunk pads from zero as one pass would start.
    let pad = if span.index == 0 { ":start_time=0" } else { "" };
    let end = span
        .end
        .map(|e| format!(":end_pts={e}"))
        .unwrap_or_default();
    let after_fps = format!("{pad},trim=start_pts={}{end}", span.start);
    let tile = first_tile(plan, span);
    let sprite = plan.sprite.map(|s| s.filter_from(tile));
    let graph = ladder::video_graph(plan, encoder, &after_fps, sprite.clone());
    let mut a: Vec<OsString> = encoder.global_args();
    if let Some(rate) = plan.read_rate {
        a.extend(["-readrate".into(), rate.to_string().into()]);
    }
    a.extend(
        [
            "-ss".into(),
            format!("{:.6}", (start_time - SEEK_MARGIN).max(0.0)),
            "-copyts".into(),
            "-start_at_zero".into(),
        ]
        .map(OsString::from),
    );
    a.extend(input.input_args());
    a.extend(["-filter_complex".into(), graph.join(";").into()]);
    let dir = out.display();
    for (i, r) in plan.rungs.iter().enumerate() {
        a.extend(["-map".into(), format!("[v{i}]").into()]);
        a.extend(ladder::video_args(plan, encoder, span.first_segment));
        a.extend(ladder::rate_args(r, "v"));
        a.extend(
            [
                "-map_metadata".into(),
                "-1".into(),
                "-avoid_negative_ts".into(),
                "disabled".into(),
                "-f".into(),
                "mpegts".into(),
                format!("{dir}/{}", rung_file(&r.name)),
            ]
            .map(OsString::from),
        );
    }
    if sprite.is_some() {
        a.extend(
            [
                "-map".into(),
                "[sprite]".into(),
                "-fps_mode:v".into(),
                "passthrough".into(),
                "-q:v".into(),
                "4".into(),
                "-c:v".into(),
                "mjpeg".into(),
                "-f".into(),
                "image2".into(),
                "-start_number".into(),
                (tile + 1).to_string(),
                format!("{dir}/{TILES}/%04d.jpg"),
            ]
            .map(OsString::from),
        );
    }
    tools.ffmpeg().args(a).redact(input.secret())
}

/// The whole master's audio, once: AAC stereo into `work/audio.mp4`, and the waveform
/// samples into `out/wave.raw` when planned. None without audio.
pub fn audio_command(
    tools: &Tools,
    plan: &Plan,
    input: &MediaInput,
    work: &Path,
    out: &Path,
) -> Option<Invocation> {
    if !plan.audio {
        return None;
    }
    let mut graph = ladder::audio_graph(plan, plan.waveform, 1);
    // Starts at the master's zero, as the first chunk's picture does (padded or trimmed).
    graph.push("[a0]aresample=async=1:first_pts=0[a]".into());
    let mut a: Vec<OsString> = input.input_args();
    a.extend(["-filter_complex".into(), graph.join(";").into()]);
    a.extend(["-map".into(), "[a]".into()]);
    a.extend(ladder::audio_args());
    a.extend(["-map_metadata", "-1", "-f", "mp4"].map(OsString::from));
    a.push(work.join(AUDIO).into());
    if plan.waveform {
        a.extend(["-map", "[wave]", "-c:a", "pcm_s16le", "-f", "s16le"].map(OsString::from));
        a.push(out.join("wave.raw").into());
    }
    Some(tools.ffmpeg().args(a).redact(input.secret()))
}

/// The remux of one rung: its joined chunks (`video`) and the audio, stream-copied into
/// `out/<name>/` as the one-pass ladder writes it.
pub fn join_command(
    tools: &Tools,
    plan: &Plan,
    name: &str,
    video: &Path,
    audio: Option<&Path>,
    out: &Path,
) -> Invocation {
    let mut a: Vec<OsString> = vec!["-f".into(), "mpegts".into(), "-i".into(), video.into()];
    let mut stream = "v:0".to_string();
    if let Some(audio) = audio {
        a.extend(["-f".into(), "mp4".into(), "-i".into(), audio.into()]);
    }
    a.extend(["-map", "0:v:0"].map(OsString::from));
    if audio.is_some() {
        a.extend(["-map", "1:a:0"].map(OsString::from));
        stream.push_str(",a:0");
    }
    a.extend(["-c", "copy"].map(OsString::from));
    stream.push_str(&format!(",name:{name}"));
    a.extend(ladder::hls_args(plan.segment_seconds, out, &[stream]));
    tools.ffmpeg().args(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::ladder::Rung;

    fn plan(duration: f64, fps: (u32, u32), seg: u32) -> Plan {
        Plan {
            rungs: vec![Rung {
                name: "360p".into(),
                width: 640,
                height: 360,
                video_kbps: 800,
                maxrate_kbps: 1200,
                bufsize_kbps: 1600,
            }],
            audio: true,
            fps: Some(fps),
            gop: 1,
            segment_seconds: seg,
            sprite: None,
            waveform: true,
            duration,
            deinterlace: false,
            color: None,
            audio_mapping: None,
            layout: ladder::HlsLayout::SingleFile,
            read_rate: None,
        }
    }

    #[test]
    fn chunks_cover_every_frame_once_on_the_segment_grid() {
        assert_eq!(split(&plan(8.0, (25, 1), 2), 4), None);
        let s = split(&plan(10.0, (25, 1), 2), 4).unwrap();
        let ranges: Vec<_> = s
            .iter()
            .map(|c| (c.start, c.end, c.first_segment))
            .collect();
        assert_eq!(
            ranges,
            [(0, Some(100), 0), (100, Some(200), 2), (200, None, 4)]
        );
        // 29.97: each chunk starts at the first frame at or after its time.
        let s = split(&plan(13.0, (30000, 1001), 2), 4).unwrap();
        assert_eq!(s[1].start, 120);
        assert_eq!(s[2].start, 240);
        assert_eq!(s[0].end, Some(s[1].start));
        // A tail shorter than a segment stays with the chunk before it.
        assert_eq!(split(&plan(12.5, (25, 1), 2), 4).unwrap().len(), 3);
        // Bounded: a very long master gets longer chunks, still whole segments.
        let s = split(&plan(100_000.0, (25, 1), 4), 120).unwrap();
        assert!(s.len() as u64 <= MAX_CHUNKS);
        assert_eq!(s[1].start % (4 * 25), 0);
    }
}

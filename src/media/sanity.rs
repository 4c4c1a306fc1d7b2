//! What a master may cost, checked before and bounded during its preview. The header's
//! duration is written by whoever made the file, so before planning the streams' real span is
//! read from their packets (first and last timestamps, largest gap) and refused when it makes
//! no sense; then every ffmpeg and ffprobe run of the job is bounded by output frames, output
//! time, wall-clock time proportional to the duration, and the size of the job's temp dir.
//!
//! The bounds travel as a task-local (`Bounds::scope`): every run the preview starts inside
//! the scope is bounded, whichever module builds its command line.

use super::MediaInput;
use super::ffmpeg::{FfmpegError, Tools};
use super::probe::TechnicalMetadata;
use crate::config::LimitsConfig;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// No video or audio stream of a master may go this long without a packet.
pub const MAX_GAP: f64 = 60.0;
/// The streams may run this much longer than the header says (share, plus seconds).
const SPAN_SLACK: f64 = 1.5;
const SPAN_SLACK_SECS: f64 = 5.0;
/// Output may run past the duration by this share plus seconds before a run is stopped.
const OUT_SLACK: f64 = 1.1;
const OUT_SLACK_SECS: f64 = 10.0;
/// The highest frame rate a bound assumes, whatever the header claims.
const MAX_FPS: f64 = 240.0;

/// The real extent of a master's audio and video packets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Span {
    /// First and last timestamps (the last packet's end) over every audio and video stream.
    pub start: f64,
    pub end: f64,
    /// The longest time one stream went without a packet, and where it began.
    pub largest_gap: f64,
    pub gap_at: f64,
    /// Packets with a timestamp.
    pub packets: u64,
}

impl Span {
    pub fn length(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }
}

/// Why a master is refused or a run was stopped: `FfmpegError::Limit` with the reason.
fn refuse(reason: String) -> FfmpegError {
    FfmpegError::Limit {
        program: "ffprobe",
        reason,
    }
}

/// Refuses a master whose header claims more than `MM_MAX_DURATION`.
pub fn check_header(meta: &TechnicalMetadata, limits: &LimitsConfig) -> Result<(), FfmpegError> {
    let max = limits.max_duration.as_secs_f64();
    if meta.duration > max {
        return Err(refuse(format!(
            "the master lasts {}, longer than the {} mm accepts (MM_MAX_DURATION)",
            clock(meta.duration),
            clock(max)
        )));
    }
    Ok(())
}

/// Reads every packet's timestamps (no decoding) and measures the span of the audio and video
/// streams. `None` when no packet carries a timestamp (raw elementary streams).
pub async fn scan(tools: &Tools, input: &MediaInput) -> Result<Option<Span>, FfmpegError> {
    let kinds = stream_kinds(tools, input).await?;
    let mut streams: HashMap<u32, (f64, f64)> = HashMap::new();
    let mut span: Option<Span> = None;
    tools
        .ffprobe()
        .args([
            "-show_entries",
            "packet=stream_index,pts_time,dts_time,duration_time",
            "-of",
            "compact=p=0",
        ])
        .args(input.input_args())
        .redact(input.secret())
        .each_line(|line| {
            let Some(p) = Packet::parse(line) else { return };
            if !kinds.contains(&p.stream) {
                return;
            }
            let s = span.get_or_insert(Span {
                start: p.at,
                end: p.end,
                ..Span::default()
            });
            s.packets += 1;
            s.start = s.start.min(p.at);
            s.end = s.end.max(p.end);
            let (last_at, last_end) = streams.entry(p.stream).or_insert((p.at, p.end));
            let gap = p.at - last_end.max(*last_at);
            if gap > s.largest_gap {
                s.largest_gap = gap;
                s.gap_at = *last_end;
            }
            *last_at = last_at.max(p.at);
            *last_end = last_end.max(p.end);
        })
        .await?;
    Ok(span)
}

/// Refuses a master whose streams make no sense against its header: a hole longer than
/// `MAX_GAP`, or streams running far past the duration the header states (which would have
/// ffmpeg fill the difference with copies of a few frames), or past `MM_MAX_DURATION`.
pub fn check_span(
    meta: &TechnicalMetadata,
    span: &Span,
    limits: &LimitsConfig,
) -> Result<(), FfmpegError> {
    if span.length() > meta.duration * SPAN_SLACK + SPAN_SLACK_SECS {
        return Err(refuse(format!(
            "the file's header says it lasts {} but its streams run for {}; the header is wrong",
            clock(meta.duration),
            clock(span.length())
        )));
    }
    let max = limits.max_duration.as_secs_f64();
    if span.length() > max {
        return Err(refuse(format!(
            "the streams run for {}, longer than the {} mm accepts (MM_MAX_DURATION)",
            clock(span.length()),
            clock(max)
        )));
    }
    if span.largest_gap > MAX_GAP {
        return Err(refuse(format!(
            "the streams have a hole of {} with no picture or sound (from {} on); a master with gaps longer than {} cannot be previewed",
            clock(span.largest_gap),
            clock(span.gap_at),
            clock(MAX_GAP)
        )));
    }
    Ok(())
}

/// Indices of the audio and video streams (not cover pictures), from the header.
async fn stream_kinds(tools: &Tools, input: &MediaInput) -> Result<Vec<u32>, FfmpegError> {
    let out = tools
        .ffprobe()
        .args([
            "-show_entries",
            "stream=index,codec_type:stream_disposition=attached_pic",
            "-of",
            "json",
        ])
        .args(input.input_args())
        .redact(input.secret())
        .output()
        .await?;
    let v: serde_json::Value = serde_json::from_slice(&out).map_err(|e| FfmpegError::Output {
        program: "ffprobe",
        message: e.to_string(),
    })?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    Ok(streams
        .iter()
        .filter(|s| matches!(s["codec_type"].as_str(), Some("video" | "audio")))
        .filter(|s| s["disposition"]["attached_pic"].as_i64() != Some(1))
        .filter_map(|s| s["index"].as_u64().map(|i| i as u32))
        .collect())
}

/// One line of `-show_entries packet=... -of compact=p=0`.
struct Packet {
    stream: u32,
    at: f64,
    end: f64,
}

impl Packet {
    fn parse(line: &str) -> Option<Self> {
        let (mut stream, mut pts, mut dts, mut dur) = (None, None, None, None);
        for field in line.split('|') {
            let (k, v) = field.split_once('=')?;
            let num = || v.parse::<f64>().ok().filter(|x| x.is_finite());
            match k {
                "stream_index" => stream = v.parse::<u32>().ok(),
                "pts_time" => pts = num(),
                "dts_time" => dts = num(),
                "duration_time" => dur = num(),
                _ => {}
            }
        }
        // Decode order (dts) for gaps; a stream without dts (some audio) uses pts.
        let at = dts.or(pts)?;
        let end = pts.unwrap_or(at).max(at) + dur.unwrap_or(0.0).max(0.0);
        Some(Packet {
            stream: stream?,
            at,
            end,
        })
    }
}

/// What one preview job's runs may use.
#[derive(Debug)]
pub struct Bounds {
    pub deadline: Instant,
    pub budget: Duration,
    /// Video frames one run may output.
    pub max_frames: u64,
    /// Media time one run may output.
    pub max_out_time: Duration,
    /// The job's temp dir and the most it may hold.
    pub dir: Option<(PathBuf, u64)>,
}

tokio::task_local! {
    static BOUNDS: Arc<Bounds>;
}

impl Bounds {
    /// The bounds of a preview of `duration` seconds at `fps`, its temp dir `dir` allowed
    /// `dir_max` bytes.
    pub fn new(
        duration: f64,
        fps: Option<f64>,
        limits: &LimitsConfig,
        dir: Option<(&Path, u64)>,
    ) -> Arc<Self> {
        let budget = limits.ffmpeg_budget(duration);
        let out = duration * OUT_SLACK + OUT_SLACK_SECS;
        let fps = fps.unwrap_or(0.0).clamp(0.0, MAX_FPS).max(1.0);
        Arc::new(Self {
            deadline: Instant::now() + budget,
            budget,
            max_frames: (out * fps).ceil() as u64 + 100,
            max_out_time: Duration::from_secs_f64(out),
            dir: dir.map(|(d, max)| (d.to_path_buf(), max)),
        })
    }

    /// Runs `f` with these bounds on every ffmpeg and ffprobe it starts.
    pub async fn scope<F: std::future::Future>(self: Arc<Self>, f: F) -> F::Output {
        BOUNDS.scope(self, f).await
    }

    /// The bounds of the current task, if it runs inside a scope.
    pub fn current() -> Option<Arc<Bounds>> {
        BOUNDS.try_with(|b| b.clone()).ok()
    }

    /// Why a run reporting `frames` and `out_time` must stop, if it must.
    pub fn over_output(&self, frames: u64, out_time: Duration) -> Option<String> {
        if frames > self.max_frames {
            return Some(format!(
                "it produced more than {} frames for a master of its length; its timestamps make no sense",
                self.max_frames
            ));
        }
        if out_time > self.max_out_time {
            return Some(format!(
                "its output ran past {} for a master whose header says less; its timestamps make no sense",
                clock(self.max_out_time.as_secs_f64())
            ));
        }
        None
    }

    /// The reason a run that reached the deadline was stopped.
    pub fn over_time(&self) -> String {
        format!(
            "processing took longer than its {} budget (MM_FFMPEG_TIME_FACTOR times the duration plus MM_FFMPEG_TIME_MIN)",
            clock(self.budget.as_secs_f64())
        )
    }

    /// Why the temp dir is over its bound, if it is (walks the dir: call off the runtime).
    pub fn over_dir(&self) -> Option<String> {
        let (dir, max) = self.dir.as_ref()?;
        let used = dir_size(dir);
        (used > *max).then(|| {
            format!(
                "its temporary files grew past {} (MM_WORK_DIR_FACTOR times the expected output)",
                crate::config::human_bytes(*max)
            )
        })
    }
}

/// Bytes under `dir`, following no links.
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => dirs.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

/// `h:mm:ss` (or `s.s s` under a minute), for reasons people read.
pub fn clock(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{secs:.1} s");
    }
    let s = secs.round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_parse_with_or_without_fields() {
        let p =
            Packet::parse("stream_index=1|pts_time=2.5|dts_time=2.4|duration_time=0.04").unwrap();
        assert_eq!((p.stream, p.at), (1, 2.4));
        assert!((p.end - 2.54).abs() < 1e-9);
        let p =
            Packet::parse("stream_index=0|pts_time=3.0|dts_time=N/A|duration_time=N/A").unwrap();
        assert_eq!((p.at, p.end), (3.0, 3.0));
        assert!(Packet::parse("stream_index=0|pts_time=N/A|dts_time=N/A").is_none());
    }

    #[test]
    fn reasons_read_as_times() {
        assert_eq!(clock(12.34), "12.3 s");
        assert_eq!(clock(100_000.0), "27:46:40");
    }

    #[test]
    fn output_bounds_follow_the_duration() {
        let limits = LimitsConfig::from_env(&Default::default(), &mut vec![]);
        let b = Bounds::new(10.0, Some(25.0), &limits, None);
        assert!(b.over_output(100, Duration::from_secs(10)).is_none());
        assert!(b.over_output(500_001, Duration::from_secs(10)).is_some());
        assert!(b.over_output(10, Duration::from_secs(30)).is_some());
    }
}

//! Images for the player: the poster (a non-black frame near the chosen time) and the
//! scrubbing sprite sheet with its WebVTT map of `sprite.jpg#xywh=` cues.

use super::MediaInput;
use super::ffmpeg::{FfmpegError, Tools};
use std::fmt::Write as _;
use std::path::Path;

/// Width of one sprite tile in pixels.
pub const TILE_WIDTH: u32 = 160;
/// At most this many tiles; the interval grows with the duration to stay under it.
pub const MAX_TILES: u32 = 100;
const COLUMNS: u32 = 10;
/// Intervals a tile may stand for, in seconds.
const STEPS: [u32; 14] = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800];
/// How far past the poster time to look for a frame that is not black.
const POSTER_WINDOW_SECS: f64 = 5.0;
/// Mean luma (0-255) under which a frame counts as black.
const BLACK_LUMA: u32 = 24;

/// How the sprite sheet is laid out for one master.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpritePlan {
    /// Seconds each tile stands for.
    pub interval: u32,
    pub tiles: u32,
    pub columns: u32,
    pub rows: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub duration: f64,
}

impl SpritePlan {
    /// One tile every `interval` seconds (1 s steps for short clips, longer for long ones),
    /// 160 px wide, ten to a row. `frame_rate` decides whether a frame exists at the end.
    pub fn new(duration: f64, display_aspect: f64, frame_rate: f64) -> Self {
        let interval = STEPS
            .iter()
            .copied()
            .find(|s| (duration / *s as f64).ceil() <= MAX_TILES as f64)
            .unwrap_or_else(|| (duration / MAX_TILES as f64).ceil() as u32);
        // Tiles are taken at 0, N, 2N, ... up to the last frame, which starts one frame
        // before the end.
        let last_frame = (duration - 0.5 / frame_rate.max(1.0)).max(0.0);
        let tiles = ((last_frame / interval as f64).floor() as u32 + 1).clamp(1, MAX_TILES);
        let columns = tiles.min(COLUMNS);
        let tile_height = even(TILE_WIDTH as f64 / display_aspect.max(0.01));
        Self {
            interval,
            tiles,
            columns,
            rows: tiles.div_ceil(columns),
            tile_width: TILE_WIDTH,
            tile_height,
            duration,
        }
    }

    /// Size of the whole sheet.
    pub fn sheet_size(&self) -> (u32, u32) {
        (self.columns * self.tile_width, self.rows * self.tile_height)
    }

    /// The filter chain from full frames to tiles: the first frame at or after each multiple
    /// of the interval, scaled. The tiles are written one by one during the encode and joined
    /// into the sheet after it (`assemble`): an output that emits nothing until the end would
    /// hold back ffmpeg's progress reports, and with them the stall watchdog.
    pub fn filter(&self) -> String {
        self.filter_from(0)
    }

    /// As `filter`, for a part of the master whose first tile is number `first` (0-based):
    /// the tiles of one chunk (`media::chunk`).
    pub fn filter_from(&self, first: u64) -> String {
        let n = if first == 0 {
            "selected_n".to_string()
        } else {
            format!("(selected_n+{first})")
        };
        format!(
            "select='gte(t,{i}*{n})',scale={w}:{h}:flags=bilinear,setsar=1,format=yuvj420p",
            i = self.interval,
            w = self.tile_width,
            h = self.tile_height,
        )
    }

    /// Joins the tiles in `tiles` (`%04d.jpg`) into the sheet at `sheet`.
    pub async fn assemble(
        &self,
        tools: &Tools,
        tiles: &Path,
        sheet: &Path,
    ) -> Result<(), FfmpegError> {
        tools
            .ffmpeg()
            .args(["-framerate", "1", "-f", "image2", "-i"])
            .arg(tiles.join("%04d.jpg"))
            .args([
                "-vf",
                &format!(
                    "tile={}x{}:nb_frames={}",
                    self.columns, self.rows, self.tiles
                ),
                "-frames:v",
                "1",
                "-update",
                "1",
                "-q:v",
                "4",
                "-c:v",
                "mjpeg",
                "-f",
                "image2",
            ])
            .arg(sheet)
            .run(|_| {})
            .await
    }

    /// The WebVTT map: one cue per tile, the last reaching the end of the media.
    pub fn vtt(&self, sheet: &str) -> String {
        let mut out = String::from("WEBVTT\n\n");
        for i in 0..self.tiles {
            let start = (i * self.interval) as f64;
            let end = if i + 1 == self.tiles {
                self.duration.max(start + 0.001)
            } else {
                ((i + 1) * self.interval) as f64
            };
            let (x, y) = (
                (i % self.columns) * self.tile_width,
                (i / self.columns) * self.tile_height,
            );
            let _ = write!(
                out,
                "{} --> {}\n{sheet}#xywh={x},{y},{},{}\n\n",
                vtt_time(start),
                vtt_time(end),
                self.tile_width,
                self.tile_height
            );
        }
        out
    }
}

/// `hh:mm:ss.mmm`.
pub fn vtt_time(t: f64) -> String {
    let ms = (t * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Rounds to the nearest even number, at least 2: 4:2:0 video needs even sizes.
pub fn even(x: f64) -> u32 {
    (((x / 2.0).round() as u32) * 2).max(2)
}

/// Renders the poster JPEG at `at` seconds, `width`x`height`: the first frame in the next few
/// seconds that is not black, or the frame at `at` when all of them are.
pub async fn poster(
    tools: &Tools,
    input: &MediaInput,
    at: f64,
    (width, height): (u32, u32),
    color: &str,
    out: &Path,
) -> Result<(), FfmpegError> {
    // `color` (the rungs' HDR/gamut/depth conversion, ending in `,`) so the poster matches.
    let scale = format!("{color}scale={width}:{height}:flags=bicubic,setsar=1");
    let skip_black = format!(
        "{scale},signalstats,metadata=mode=select:key=lavfi.signalstats.YAVG:function=greater:value={BLACK_LUMA}"
    );
    for filter in [skip_black, scale] {
        // Seeking before -i reads only from the nearest keyframe: cheap even on a long master.
        tools
            .ffmpeg()
            .args([
                "-ss",
                &format!("{at:.3}"),
                "-t",
                &format!("{POSTER_WINDOW_SECS}"),
            ])
            .args(input.input_args())
            .redact(input.secret())
            .args([
                "-map",
                "0:v:0",
                "-vf",
                &filter,
                "-frames:v",
                "1",
                "-update",
                "1",
            ])
            .args(["-q:v", "3", "-f", "image2", "-c:v", "mjpeg"])
            .arg(out)
            .run(|_| {})
            .await?;
        if std::fs::metadata(out).is_ok_and(|m| m.len() > 0) {
            return Ok(());
        }
    }
    Err(FfmpegError::Output {
        program: "ffmpeg",
        message: format!("no frame could be decoded near {at:.1} s for the poster"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_clips_get_a_tile_per_second_and_long_ones_stay_under_the_cap() {
        let p = SpritePlan::new(6.0, 16.0 / 9.0, 30.0);
        assert_eq!((p.interval, p.tiles, p.columns, p.rows), (1, 6, 6, 1));
        assert_eq!((p.tile_width, p.tile_height), (160, 90));
        let p = SpritePlan::new(3600.0, 16.0 / 9.0, 25.0);
        assert_eq!(p.interval, 60);
        assert_eq!(p.tiles, 60);
        assert_eq!(p.sheet_size(), (1600, 540));
        let p = SpritePlan::new(100_000.0, 1.0, 25.0);
        assert!(p.tiles <= MAX_TILES);
    }

    #[test]
    fn the_vtt_covers_the_whole_duration_without_gaps() {
        let p = SpritePlan::new(6.5, 4.0 / 3.0, 25.0);
        let vtt = p.vtt("sprite.jpg");
        assert!(
            vtt.starts_with(
                "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,120\n"
            )
        );
        assert!(
            vtt.contains("00:00:06.000 --> 00:00:06.500\nsprite.jpg#xywh=960,0,160,120"),
            "{vtt}"
        );
        assert_eq!(vtt.matches("-->").count(), 7);
    }

    #[test]
    fn times_and_sizes_format() {
        assert_eq!(vtt_time(3725.5), "01:02:05.500");
        assert_eq!(even(90.4), 90);
        assert_eq!(even(319.6), 320);
        assert_eq!(even(0.2), 2);
    }
}

//! A version's comments as markers for editing software: CMX 3600 EDL with DaVinci Resolve's
//! marker lines, FCPXML markers at rational times, and CSV for spreadsheets and Premiere.
//! Each top-level, not deleted comment is one marker; replies stay in mm.

pub mod csv;
pub mod edl;
pub mod fcpxml;

use super::comments::Clock;
use super::timecode::Rate;
use crate::db::models::comment::CommentRow;
use crate::error::AppError;

/// One marker: where, how long (frames, at least 1), what it says, who said it.
pub struct Marker {
    pub frame: i64,
    pub duration: i64,
    pub text: String,
    pub author: String,
    pub resolved: bool,
}

/// What every format needs: the asset's title, the version's clock, and the markers.
pub struct Sheet {
    pub title: String,
    pub clock: Clock,
    /// The version's length in frames, when known.
    pub frames: Option<i64>,
    pub markers: Vec<Marker>,
}

impl Sheet {
    pub fn new(title: &str, clock: Clock, rows: &[CommentRow]) -> Sheet {
        let markers = rows
            .iter()
            .filter(|r| r.parent_id.is_none() && r.deleted_at.is_none())
            .map(|r| {
                let frame = r.frame.unwrap_or(0);
                Marker {
                    frame,
                    duration: r.frame_end.map_or(1, |e| (e - frame + 1).max(1)),
                    text: r.body.clone(),
                    author: r.author_name.clone(),
                    resolved: r.resolved_at.is_some(),
                }
            })
            .collect();
        Sheet {
            title: title.to_string(),
            frames: clock.last_frame.map(|l| l + 1),
            clock,
            markers,
        }
    }

    /// The rate timeline formats count in; images (no rate) and audio (milliseconds) have
    /// no picture timeline to mark.
    pub fn video_rate(&self) -> Result<Rate, AppError> {
        match self.clock.rate {
            Some(r) if r != super::timecode::AUDIO_RATE => Ok(r),
            _ => Err(AppError::bad_request(
                "invalid-format",
                "EDL and FCPXML need a video version; export CSV instead.",
            )),
        }
    }
}

/// Text on one line: every control character (newlines included) becomes a space, runs of
/// spaces collapse, so no comment can start a new line in a line-based file.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The formats and their file suffix and content type.
pub fn render(
    sheet: &Sheet,
    format: &str,
) -> Result<(Vec<u8>, &'static str, &'static str), AppError> {
    match format {
        "edl" => Ok((
            edl::render(sheet)?.into_bytes(),
            "edl",
            "text/plain; charset=utf-8",
        )),
        "fcpxml" => Ok((
            fcpxml::render(sheet)?.into_bytes(),
            "fcpxml",
            "application/xml; charset=utf-8",
        )),
        "csv" => Ok((csv::render(sheet)?, "csv", "text/csv; charset=utf-8")),
        _ => Err(AppError::bad_request(
            "invalid-format",
            "format is edl, fcpxml or csv.",
        )),
    }
}

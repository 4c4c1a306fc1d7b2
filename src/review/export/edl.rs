//! CMX 3600 EDL with one event per marker and DaVinci Resolve's marker line
//! (` |C:ResolveColorBlue |M:text |D:1`), timed from the master's start timecode.
//!
//! CMX 3600 numbers events with three digits. Past event 999 the number takes a fourth digit
//! rather than wrapping to 000: OpenTimelineIO's writer does the same (`{:03d}`), its reader and
//! DaVinci Resolve's read the number as the leading run of digits, and the other fields are
//! separated by blanks, not columns. A wrapped number would repeat earlier events' numbers,
//! which readers take for a transition into the event of that number.

use super::{Sheet, one_line};
use crate::error::AppError;
use crate::review::timecode;
use std::fmt::Write;

/// Resolve drops a marker name that starts with a digit; this goes in front of such a name.
pub const DIGIT_PREFIX: &str = "Note ";

/// A marker name Resolve reads whole: one line, no `|` (it separates the fields).
pub fn marker_name(text: &str) -> String {
    let name = one_line(text).replace('|', "/");
    let name: String = name.chars().take(500).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{DIGIT_PREFIX}{name}")
    } else {
        name
    }
}

/// `001` to `999`, then `1000` and on: never wrapped (see the module's note).
pub fn event_number(n: usize) -> String {
    format!("{n:03}")
}

pub fn render(sheet: &Sheet) -> Result<String, AppError> {
    let rate = sheet.video_rate()?;
    let tc = sheet.clock.start;
    let at = |f: i64| timecode::format(f.max(0) as u64, rate, tc.start, tc.drop);
    let mut out = String::new();
    let title: String = one_line(&sheet.title).chars().take(70).collect();
    let _ = writeln!(out, "TITLE: {title}");
    let fcm = if tc.drop {
        "DROP FRAME"
    } else {
        "NON-DROP FRAME"
    };
    let _ = writeln!(out, "FCM: {fcm}\n");
    for (i, m) in sheet.markers.iter().enumerate() {
        let (tin, tout) = (at(m.frame), at(m.frame + 1));
        let colour = if m.resolved {
            "ResolveColorGreen"
        } else {
            "ResolveColorBlue"
        };
        let _ = writeln!(
            out,
            "{}  001      V     C        {tin} {tout} {tin} {tout}  ",
            event_number(i + 1)
        );
        let _ = writeln!(
            out,
            " |C:{colour} |M:{} |D:{}\n",
            marker_name(&m.text),
            m.duration
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_on_one_line_and_never_start_with_a_digit() {
        assert_eq!(
            marker_name("logo\r\n|C:Red too early"),
            "logo /C:Red too early"
        );
        assert_eq!(marker_name("3 frames late"), "Note 3 frames late");
    }

    #[test]
    fn event_numbers_take_three_digits_then_widen() {
        assert_eq!(event_number(1), "001");
        assert_eq!(event_number(999), "999");
        assert_eq!(event_number(1000), "1000");
        assert_eq!(event_number(5000), "5000");
    }
}

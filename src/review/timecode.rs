//! Frames and SMPTE timecodes of a version: its rational rate from the probe, its start
//! timecode, and drop-frame counting (`;`) at 29.97 and 59.94.
//!
//! Drop-frame rule: a 30000/1001 or 60000/1001 version counts drop-frame unless its own
//! start timecode is written non-drop (`01:00:00:00`); every other rate counts non-drop.

use crate::db::models::version::Version;
use std::fmt;

/// A frame rate as a fraction, e.g. 30000/1001.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub num: u32,
    pub den: u32,
}

/// The nominal rate comments on audio are counted at: a "frame" is a millisecond.
pub const AUDIO_RATE: Rate = Rate { num: 1000, den: 1 };

impl Rate {
    /// `"30000/1001"` or `"25"`; `None` for 0, 0/0 and anything unparsable.
    pub fn parse(s: &str) -> Option<Rate> {
        let (n, d) = match s.trim().split_once('/') {
            Some((n, d)) => (n.trim().parse().ok()?, d.trim().parse().ok()?),
            None => (s.trim().parse().ok()?, 1),
        };
        (n > 0 && d > 0 && n / d <= 1000).then_some(Rate { num: n, den: d })
    }

    /// The version's rate: `r_frame_rate`, else `avg_frame_rate` (first for variable-rate
    /// footage, whose `r_frame_rate` is a timebase); audio counts milliseconds; images (and
    /// unprobed versions) have none.
    pub fn of_version(v: &Version) -> Option<Rate> {
        // A still has no time (its probe reports no rate).
        if v.media_type == "image" {
            return None;
        }
        let tech = v.technical.as_ref()?;
        if let Some(video) = tech.get("video").filter(|x| x.is_object()) {
            let vfr = video.get("vfr").and_then(serde_json::Value::as_bool) == Some(true);
            let order = if vfr {
                ["avg_frame_rate", "r_frame_rate"]
            } else {
                ["r_frame_rate", "avg_frame_rate"]
            };
            return order
                .iter()
                .find_map(|k| video.get(*k)?.as_str().and_then(Rate::parse));
        }
        (v.media_type == "audio").then_some(AUDIO_RATE)
    }

    /// Whole frames per second for timecode digits (30 for 29.97).
    pub fn nominal(self) -> u64 {
        (u64::from(self.num) + u64::from(self.den) / 2) / u64::from(self.den)
    }

    /// Whether this rate can count drop-frame (29.97 and 59.94).
    pub fn drop_capable(self) -> bool {
        self.den == 1001 && matches!(self.num, 30000 | 60000)
    }

    pub fn seconds(self, frame: i64) -> f64 {
        frame as f64 * f64::from(self.den) / f64::from(self.num)
    }

    /// The frame on screen at `seconds` (the nearest frame start).
    pub fn frame_at(self, seconds: f64) -> i64 {
        (seconds * f64::from(self.num) / f64::from(self.den)).round() as i64
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// A version's start timecode, as a frame count at its rate, and whether it counts drop-frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timecode {
    pub start: u64,
    pub drop: bool,
}

impl Timecode {
    /// From `technical.timecode` ("01:00:00:00" or "01:00:00;00"), else 00:00:00:00.
    pub fn start_of(v: &Version) -> Timecode {
        let Some(rate) = Rate::of_version(v) else {
            return Timecode {
                start: 0,
                drop: false,
            };
        };
        let written = v
            .technical
            .as_ref()
            .and_then(|t| t.get("timecode")?.as_str().map(str::to_string));
        Self::from_parts(written.as_deref(), rate)
    }

    pub fn from_parts(written: Option<&str>, rate: Rate) -> Timecode {
        let drop = rate.drop_capable() && written.is_none_or(|w| w.contains([';', ',', '.']));
        let start = written.and_then(|w| parse(w, rate, drop)).unwrap_or(0);
        Timecode { start, drop }
    }

    /// The start as SMPTE text.
    pub fn label(self, rate: Rate) -> String {
        format(0, rate, self.start, self.drop)
    }
}

/// Frames dropped per minute (except every tenth) when counting drop-frame at `nominal`.
fn dropped(nominal: u64) -> u64 {
    nominal / 15
}

/// `HH:MM:SS:FF` (or `;FF`) to a frame count; `None` when malformed or out of range.
pub fn parse(s: &str, rate: Rate, drop: bool) -> Option<u64> {
    let parts: Vec<u64> = s
        .split([':', ';', '.', ','])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec, f] = parts[..] else {
        return None;
    };
    let fps = rate.nominal();
    if h > 23 || m > 59 || sec > 59 || f >= fps {
        return None;
    }
    let minutes = h * 60 + m;
    let mut frames = (minutes * 60 + sec) * fps + f;
    if drop {
        frames -= dropped(fps) * (minutes - minutes / 10);
    }
    Some(frames)
}

/// The SMPTE timecode of `frame` (from the version's first frame) after `start`.
pub fn format(frame: u64, rate: Rate, start: u64, drop: bool) -> String {
    let fps = rate.nominal().max(1);
    let mut n = frame + start;
    if drop {
        let d = dropped(fps);
        let per_10min = fps * 600 - d * 9;
        let per_min = fps * 60 - d;
        let (tens, rest) = (n / per_10min, n % per_10min);
        n += d * 9 * tens;
        if rest > d {
            n += d * ((rest - d) / per_min);
        }
    }
    let f = n % fps;
    let s = n / fps;
    let sep = if drop { ';' } else { ':' };
    format!(
        "{:02}:{:02}:{:02}{sep}{:02}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60,
        f
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const DF30: Rate = Rate {
        num: 30000,
        den: 1001,
    };
    const DF60: Rate = Rate {
        num: 60000,
        den: 1001,
    };

    #[test]
    fn smpte_table() {
        let r = |s| Rate::parse(s).unwrap();
        let cases: &[(u64, Rate, u64, bool, &str)] = &[
            (0, r("25"), 0, false, "00:00:00:00"),
            (24, r("25/1"), 0, false, "00:00:00:24"),
            (25, r("25"), 0, false, "00:00:01:00"),
            (307, r("25"), 90_000, false, "01:00:12:07"),
            (1799, DF30, 0, true, "00:00:59;29"),
            (1800, DF30, 0, true, "00:01:00;02"),
            (17_982, DF30, 0, true, "00:10:00;00"),
            (17_981, DF30, 0, true, "00:09:59;29"),
            (3599, DF60, 0, true, "00:00:59;59"),
            (3600, DF60, 0, true, "00:01:00;04"),
            (1800, DF30, 0, false, "00:01:00:00"),
            (24, r("24000/1001"), 0, false, "00:00:01:00"),
            // 23 h 59 m 59 s 29 f then wrap to midnight.
            (
                1,
                DF30,
                parse("23:59:59;29", DF30, true).unwrap(),
                true,
                "00:00:00;00",
            ),
        ];
        for (frame, rate, start, drop, want) in cases {
            assert_eq!(
                format(*frame, *rate, *start, *drop),
                *want,
                "{frame} at {rate}"
            );
        }
    }

    #[test]
    fn parse_round_trips_and_refuses_nonsense() {
        for tc in ["01:00:00;00", "00:01:00;02", "00:10:00;00", "10:59:59;29"] {
            let n = parse(tc, DF30, true).unwrap();
            assert_eq!(format(n, DF30, 0, true), tc);
        }
        let start = parse("01:00:00:00", Rate::parse("25").unwrap(), false).unwrap();
        assert_eq!(start, 90_000);
        assert_eq!(parse("01:00:00:30", DF30, true), None);
        assert_eq!(parse("1:2", DF30, true), None);
        assert_eq!(parse("aa:00:00:00", DF30, true), None);
    }

    #[test]
    fn drop_frame_follows_the_master() {
        assert!(Timecode::from_parts(Some("01:00:00;00"), DF30).drop);
        assert!(!Timecode::from_parts(Some("01:00:00:00"), DF30).drop);
        assert!(Timecode::from_parts(None, DF30).drop);
        assert!(!Timecode::from_parts(Some("01:00:00;00"), Rate::parse("25").unwrap()).drop);
        assert_eq!(Rate::parse("0/0"), None);
        assert_eq!(Rate::parse("30000/1001").unwrap().nominal(), 30);
        assert_eq!(DF30.frame_at(DF30.seconds(12_345)), 12_345);
    }
}

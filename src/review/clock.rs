//! A version's clock for comments: how its frames become seconds and SMPTE timecodes, and the
//! last frame a comment may be at.

use super::timecode::{self, Rate, Timecode};
use crate::db::models::version::Version;

/// The largest frame number taken when the probe gave no duration: 24 hours counted in
/// milliseconds (audio's rate), beyond any video rate's 24 hours, far from any overflow.
pub const MAX_FRAME: i64 = 24 * 3600 * 1000;

/// How frames become seconds and timecodes for one version.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub rate: Option<Rate>,
    pub start: Timecode,
    /// The last frame, when the probe gave a duration.
    pub last_frame: Option<i64>,
}

impl Clock {
    pub fn of(v: &Version) -> Clock {
        let rate = Rate::of_version(v);
        let duration = v
            .technical
            .as_ref()
            .and_then(|t| t.get("duration")?.as_f64())
            .filter(|d| d.is_finite() && *d > 0.0);
        let last_frame = match (rate, duration) {
            (Some(r), Some(d)) => {
                // Every frame that starts before the end exists, but ffprobe rounds durations
                // to the microsecond, sometimes up: a count a thousandth of a frame past a
                // whole number is that number (a 310-frame clip reporting 310.00001 frames
                // ends at frame 309).
                let frames = d * f64::from(r.num) / f64::from(r.den);
                let count = if frames - frames.floor() < 1e-3 {
                    frames.floor()
                } else {
                    frames.ceil()
                };
                Some((count as i64 - 1).clamp(0, MAX_FRAME))
            }
            _ => None,
        };
        Clock {
            rate,
            start: Timecode::start_of(v),
            last_frame,
        }
    }

    pub fn timecode(&self, frame: i64) -> Option<String> {
        let r = self.rate?;
        Some(timecode::format(
            frame.max(0) as u64,
            r,
            self.start.start,
            self.start.drop,
        ))
    }

    pub fn seconds(&self, frame: i64) -> Option<f64> {
        self.rate.map(|r| r.seconds(frame))
    }
}

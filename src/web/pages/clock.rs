//! The player's clock data for a version, as the page hands it to the browser
//! (`data-frame-rate`, `data-start-timecode`): the same rate and start timecode the comments API
//! counts frames and timecodes with (`review::timecode`), so the page and the API never disagree.

use crate::db::models::version::Version;
use crate::review::timecode::{Rate, Timecode};

/// What the player shows before a version has been probed: whole frames at 25 per second.
const UNPROBED: Rate = Rate { num: 25, den: 1 };

/// The version's rate as "num/den" (milliseconds for audio, as comments on audio count them).
pub fn frame_rate(v: &Version) -> String {
    Rate::of_version(v).unwrap_or(UNPROBED).to_string()
}

/// The master's start timecode as the API writes it (`;` before the frames when drop-frame).
pub fn start_timecode(v: &Version) -> String {
    let rate = Rate::of_version(v).unwrap_or(UNPROBED);
    Timecode::start_of(v).label(rate)
}

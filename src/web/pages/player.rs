//! What `templates/player.html` draws, the same on the asset page and on a share link's page:
//! the player and its controls for a playable version, or an image's still in their place.

use super::clock;
use crate::db::models::version::Version;

#[derive(Default)]
pub struct PlayerView {
    /// `video`, `audio` or `image`.
    pub media: String,
    pub title: String,
    /// The version's rational rate and start timecode, for frame-exact review in the page.
    pub frame_rate: String,
    pub start_timecode: String,
    pub poster: Option<String>,
    /// An image's preview picture: shown in place of the player.
    pub still: Option<String>,
    /// A share link's watermark over the picture (filled in by the page's script).
    pub watermark: bool,
    /// Hidden until the page shows it (a watermarked link waits for the guest's name).
    pub hidden: bool,
}

impl PlayerView {
    pub fn of(v: &Version, title: &str) -> Self {
        PlayerView {
            media: v.media_type.clone(),
            title: title.to_string(),
            frame_rate: clock::frame_rate(v),
            start_timecode: clock::start_timecode(v),
            poster: None,
            still: None,
            watermark: false,
            hidden: false,
        }
    }
}

/// What `templates/review_panel.html` offers under the player.
pub struct ReviewPanel {
    /// The comment box (a share link's guest has it by the link's permission).
    pub composer: bool,
    /// `@name` mentions (team members only).
    pub mentions: bool,
}

//! Poster URLs for pages: each signed for its preview directory on the edge, with an expiry
//! rounded to the hour so a poster keeps one URL (and stays in the browser's cache) for an hour.

use crate::signing::{self, Signer};
use crate::state::AppState;
use uuid::Uuid;

/// The poster file the preview pipeline writes in each preview directory.
pub const POSTER: &str = "poster.jpg";

/// At least this long left on a poster URL when a page is rendered.
const MIN_LEFT: u64 = 3600;

pub struct Posters<'a> {
    signer: &'a Signer,
    base: &'a str,
    exp: u64,
}

impl<'a> Posters<'a> {
    pub fn new(state: &'a AppState) -> Self {
        let hour = signing::now() / 3600 + 1;
        Posters {
            signer: &state.signer,
            base: &state.config.edge_public_base,
            exp: hour * 3600 + MIN_LEFT,
        }
    }

    /// The signed URL of a version's poster; None when no key can sign (never for a valid
    /// configuration: the api role requires one). `rerender`, the last poster job, goes in the
    /// query (which the edge ignores) so a new poster is not hidden by the cached old one.
    pub fn url(&self, asset: Uuid, version: Uuid, rerender: Option<Uuid>) -> Option<String> {
        let url = signed(self.signer, self.base, asset, version, self.exp)?;
        Some(match rerender {
            Some(job) => format!("{url}?r={}", &job.simple().to_string()[..12]),
            None => url,
        })
    }
}

/// The poster of `version` (an image's preview picture) on the edge, signed until `exp`.
pub fn signed(signer: &Signer, base: &str, asset: Uuid, version: Uuid, exp: u64) -> Option<String> {
    let prefix = crate::storage::PreviewKey::new(asset, version).dir();
    // The token grants the whole directory; the URL names its playlist, so the poster takes
    // the playlist's place.
    let signed = signer.playback_url(base, &prefix, None, exp).ok()?;
    let dir = signed.url.strip_suffix(signing::DEFAULT_PLAYLIST)?;
    Some(format!("{dir}{POSTER}"))
}

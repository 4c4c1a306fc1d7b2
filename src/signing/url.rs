//! Signed playback URLs: `{edge base}/s/<token>/<prefix><playlist>`, with the token granting the
//! playlist's whole directory so that every relative URI inside the playlists inherits it.

use super::{SignError, Signer, check_prefix};

/// A URL handed to a player.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SignedUrl {
    pub url: String,
    /// Unix seconds.
    pub exp: u64,
    /// The directory the token grants.
    pub prefix: String,
}

/// The playlist a directory prefix points at when the caller names none.
pub const DEFAULT_PLAYLIST: &str = "index.m3u8";

impl Signer {
    /// Signs `target` for playback until `exp`. `target` is a directory under `previews/`
    /// (with or without its trailing `/`; the URL then points at `playlist`, by default
    /// `index.m3u8`) or a playlist itself (`....m3u8`, whose directory is granted).
    pub fn playback_url(
        &self,
        edge_base: &str,
        target: &str,
        playlist: Option<&str>,
        exp: u64,
    ) -> Result<SignedUrl, SignError> {
        let (prefix, object) = match target.rsplit_once('/') {
            Some((dir, file)) if file.ends_with(".m3u8") && playlist.is_none() => {
                (format!("{dir}/"), target.to_string())
            }
            _ => {
                let dir = format!("{}/", target.trim_end_matches('/'));
                let file = playlist.unwrap_or(DEFAULT_PLAYLIST);
                let one_name = !file.is_empty()
                    && file.ends_with(".m3u8")
                    && file
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
                if !one_name {
                    return Err(SignError::InvalidPrefix(
                        "the playlist must be one file name ending in .m3u8",
                    ));
                }
                let object = format!("{dir}{file}");
                (dir, object)
            }
        };
        check_prefix(&prefix)?;
        let token = self.sign(&prefix, exp)?;
        let mut url = url::Url::parse(edge_base)
            .map_err(|_| SignError::InvalidPrefix("the edge base URL is invalid"))?;
        url.path_segments_mut()
            .map_err(|_| SignError::InvalidPrefix("the edge base URL cannot hold a path"))?
            .pop_if_empty()
            .push("s")
            .push(&token)
            .extend(object.split('/'));
        Ok(SignedUrl {
            url: url.into(),
            exp,
            prefix,
        })
    }
}

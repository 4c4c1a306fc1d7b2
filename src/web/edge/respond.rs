//! How the edge answers for an object: content type and cache lifetime by extension, and the
//! HTTP validators and ranges (ETag, Last-Modified, If-None-Match, If-Modified-Since, If-Range,
//! one byte range).

use crate::storage::RangeRequest;
use actix_web::HttpRequest;
use actix_web::http::header::{self, HttpDate};
use std::time::{Duration, UNIX_EPOCH};

/// Segments, images and other renditions never change under a given name once published.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Playlists and manifests are rewritten when an asset is reprocessed: a minute of staleness
/// at most, while a CDN still absorbs the repeated fetches of every viewer. (They are written
/// last, so a playlist that exists always points at segments that exist.)
pub const SHORT: &str = "public, max-age=60";
/// The max-age of `SHORT`, which the S3 disk cache honours too.
pub const SHORT_SECS: u64 = 60;
/// Playlists: a preview published while it is made has EVENT playlists that grow by a
/// segment every few seconds, and its master playlist is replaced by the final one, so they are
/// fresh for about half a segment.
pub const PLAYLIST: &str = "public, max-age=2";
pub const PLAYLIST_SECS: u64 = 2;

/// How long the edge's disk cache keeps an object of this Cache-Control without asking the
/// origin again; none for an immutable one.
pub fn fresh_secs(cache_control: &str) -> Option<u64> {
    match cache_control {
        SHORT => Some(SHORT_SECS),
        PLAYLIST => Some(PLAYLIST_SECS),
        _ => None,
    }
}

/// Content type and Cache-Control for an object path, by extension.
pub fn kind(path: &str) -> (&'static str, &'static str) {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "m3u8" => ("application/vnd.apple.mpegurl", PLAYLIST),
        "json" => ("application/json", SHORT),
        "m4s" => ("video/iso.segment", IMMUTABLE),
        "mp4" => ("video/mp4", IMMUTABLE),
        "m4a" => ("audio/mp4", IMMUTABLE),
        "ts" => ("video/mp2t", IMMUTABLE),
        "jpg" | "jpeg" => ("image/jpeg", IMMUTABLE),
        "png" => ("image/png", IMMUTABLE),
        "vtt" => ("text/vtt", IMMUTABLE),
        _ => ("application/octet-stream", SHORT),
    }
}

/// The validators of one representation.
pub struct Validators<'a> {
    /// Quoted entity tag.
    pub etag: &'a str,
    /// Unix seconds.
    pub last_modified: i64,
}

impl Validators<'_> {
    pub fn http_date(&self) -> String {
        let secs = self.last_modified.max(0) as u64;
        HttpDate::from(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
    }

    /// RFC 9110 13.1.2/13.1.3 for GET and HEAD: If-None-Match (weak comparison) wins over
    /// If-Modified-Since.
    pub fn not_modified(&self, req: &HttpRequest) -> bool {
        if let Some(inm) = req.headers().get(header::IF_NONE_MATCH) {
            let Ok(inm) = inm.to_str() else { return false };
            return inm
                .split(',')
                .map(str::trim)
                .any(|t| t == "*" || weak(t) == weak(self.etag));
        }
        match since(req, header::IF_MODIFIED_SINCE) {
            Some(since) => self.last_modified <= since,
            None => false,
        }
    }

    /// Whether an If-Range precondition (if any) lets the Range header apply: a strong
    /// ETag match or the exact Last-Modified date.
    fn if_range_holds(&self, req: &HttpRequest) -> bool {
        let Some(v) = req.headers().get(header::IF_RANGE) else {
            return true;
        };
        let Ok(v) = v.to_str() else { return false };
        let v = v.trim();
        if v.starts_with('"') {
            return v == self.etag && !self.etag.starts_with("W/");
        }
        v.parse::<HttpDate>()
            .ok()
            .and_then(|d| {
                std::time::SystemTime::from(d)
                    .duration_since(UNIX_EPOCH)
                    .ok()
            })
            .is_some_and(|d| d.as_secs() as i64 == self.last_modified)
    }
}

fn weak(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

fn since(req: &HttpRequest, name: header::HeaderName) -> Option<i64> {
    let v = req.headers().get(name)?.to_str().ok()?;
    let d: HttpDate = v.trim().parse().ok()?;
    let secs = std::time::SystemTime::from(d)
        .duration_since(UNIX_EPOCH)
        .ok()?;
    Some(secs.as_secs() as i64)
}

/// What the Range header asks for, once validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ranged {
    /// No Range (or one to ignore: another unit, bad syntax, several ranges, a failed
    /// If-Range, a HEAD request): the whole object with 200.
    Whole,
    One(RangeRequest),
}

/// Reads the Range header of a GET. Several ranges are answered with the whole object (200),
/// as RFC 9110 14.2 allows: players never ask for them and multipart bodies defeat caches.
pub fn requested(req: &HttpRequest, v: &Validators<'_>) -> Ranged {
    if req.method() != actix_web::http::Method::GET {
        return Ranged::Whole;
    }
    let Some(h) = req
        .headers()
        .get(header::RANGE)
        .and_then(|h| h.to_str().ok())
    else {
        return Ranged::Whole;
    };
    if !v.if_range_holds(req) {
        return Ranged::Whole;
    }
    RangeRequest::parse_header(h).map_or(Ranged::Whole, Ranged::One)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_lifetimes_follow_the_extension() {
        assert_eq!(
            kind("a/index.m3u8"),
            ("application/vnd.apple.mpegurl", PLAYLIST)
        );
        assert_eq!(kind("a/720p/seg_001.M4S"), ("video/iso.segment", IMMUTABLE));
        assert_eq!(kind("a/poster.jpg").0, "image/jpeg");
        assert_eq!(kind("a/sprite.vtt").0, "text/vtt");
        assert_eq!(kind("a/README"), ("application/octet-stream", SHORT));
    }
}

//! What may be uploaded: file names made safe for storage keys, and the media type allowlist
//! (the extension decides the type; the declared content type must agree with it).

/// video, audio or image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Video,
    Audio,
    Image,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Video => "video",
            MediaType::Audio => "audio",
            MediaType::Image => "image",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "video" => Some(MediaType::Video),
            "audio" => Some(MediaType::Audio),
            "image" => Some(MediaType::Image),
            _ => None,
        }
    }
}

use MediaType::{Audio, Image, Video};

/// Extension, media type, canonical content type, other content types browsers send for it.
const ALLOWED: &[(&str, MediaType, &str, &[&str])] = &[
    ("mov", Video, "video/quicktime", &[]),
    ("mp4", Video, "video/mp4", &[]),
    ("m4v", Video, "video/x-m4v", &["video/mp4"]),
    ("mxf", Video, "application/mxf", &["video/mxf"]),
    ("mkv", Video, "video/x-matroska", &["video/matroska"]),
    ("webm", Video, "video/webm", &[]),
    (
        "avi",
        Video,
        "video/x-msvideo",
        &["video/avi", "video/msvideo"],
    ),
    ("mpg", Video, "video/mpeg", &[]),
    ("mpeg", Video, "video/mpeg", &[]),
    ("ts", Video, "video/mp2t", &[]),
    ("mts", Video, "video/mp2t", &["model/vnd.mts"]),
    ("m2ts", Video, "video/mp2t", &[]),
    ("3gp", Video, "video/3gpp", &[]),
    ("dv", Video, "video/x-dv", &["video/dv"]),
    ("wmv", Video, "video/x-ms-wmv", &[]),
    ("flv", Video, "video/x-flv", &[]),
    ("ogv", Video, "video/ogg", &[]),
    ("r3d", Video, "video/x-r3d", &[]),
    ("braw", Video, "video/x-braw", &[]),
    (
        "wav",
        Audio,
        "audio/wav",
        &["audio/x-wav", "audio/wave", "audio/vnd.wave"],
    ),
    ("bwf", Audio, "audio/wav", &["audio/x-wav", "audio/wave"]),
    ("aif", Audio, "audio/aiff", &["audio/x-aiff"]),
    ("aiff", Audio, "audio/aiff", &["audio/x-aiff"]),
    ("mp3", Audio, "audio/mpeg", &["audio/mp3"]),
    ("m4a", Audio, "audio/mp4", &["audio/x-m4a"]),
    ("aac", Audio, "audio/aac", &["audio/x-aac"]),
    ("flac", Audio, "audio/flac", &["audio/x-flac"]),
    ("ogg", Audio, "audio/ogg", &[]),
    ("opus", Audio, "audio/opus", &["audio/ogg"]),
    ("jpg", Image, "image/jpeg", &[]),
    ("jpeg", Image, "image/jpeg", &[]),
    ("png", Image, "image/png", &[]),
    ("tif", Image, "image/tiff", &[]),
    ("tiff", Image, "image/tiff", &[]),
    ("exr", Image, "image/x-exr", &["image/aces"]),
    ("dpx", Image, "image/x-dpx", &["image/dpx"]),
    ("webp", Image, "image/webp", &[]),
    ("gif", Image, "image/gif", &[]),
    ("heic", Image, "image/heic", &["image/heif"]),
    (
        "psd",
        Image,
        "image/vnd.adobe.photoshop",
        &["image/x-photoshop"],
    ),
];

/// Why a file was refused, as `(code, message)` for a 400.
pub type Refusal = (&'static str, String);

/// The longest sanitized name kept; the end is kept, so the extension survives.
pub const MAX_NAME: usize = 128;

/// The storage-safe name: the basename, every character outside `A-Za-z0-9._-` replaced by
/// `_`, no leading dots, at most 128 characters (the last ones). `None` when nothing is left.
pub fn sanitize_filename(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    let safe = &safe[safe.len().saturating_sub(MAX_NAME)..];
    let safe = safe.trim_start_matches('.');
    (!safe.is_empty() && safe.chars().any(|c| c.is_ascii_alphanumeric())).then(|| safe.to_string())
}

/// The name as the user gave it, for display: control characters dropped, 255 characters.
pub fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars().filter(|c| !c.is_control()).take(255).collect()
}

/// Checks the extension against the allowlist and the declared content type against the
/// extension; returns the media type and the content type to store.
pub fn classify(
    filename: &str,
    content_type: Option<&str>,
) -> Result<(MediaType, String), Refusal> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, media, canonical, others)) = ALLOWED.iter().find(|(e, ..)| *e == ext) else {
        return Err((
            "unsupported-type",
            if ext.is_empty() {
                "The file name has no extension; upload a video, audio or image file (for example .mov, .wav, .tif).".into()
            } else {
                format!(
                    "Files ending in .{ext} are not accepted; upload a video, audio or image file."
                )
            },
        ));
    };
    let declared = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    // Browsers send an empty or generic type for files they do not know (MXF, R3D, BRAW).
    if declared.is_empty()
        || declared == "application/octet-stream"
        || declared == "binary/octet-stream"
    {
        return Ok((*media, canonical.to_string()));
    }
    // SVG is a document that runs script when opened from mm's origin, never an image here,
    // whatever the file is called.
    if declared.contains("svg") {
        return Err((
            "unsupported-type",
            format!(
                "The content type {declared} is not accepted: SVG is a document that can run script, not an image mm previews."
            ),
        ));
    }
    let top = declared.split('/').next().unwrap_or("");
    let exact = declared == *canonical || others.contains(&declared.as_str());
    if !exact && top == media.as_str() {
        // Same kind, another subtype (image/x-foo for a .png): the canonical type is stored,
        // so what is served later is what the extension says, never what a client chose.
        return Ok((*media, canonical.to_string()));
    }
    if !exact {
        return Err((
            "type-mismatch",
            format!(
                "The content type {declared} does not match a .{ext} file, which is {} ({canonical}).",
                media.as_str()
            ),
        ));
    }
    Ok((*media, declared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_and_keep_their_extension() {
        assert_eq!(
            sanitize_filename("C:\\clips\\Day 1 (take 2).MOV").unwrap(),
            "Day_1__take_2_.MOV"
        );
        assert_eq!(sanitize_filename("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(sanitize_filename("..mov").unwrap(), "mov");
        assert_eq!(sanitize_filename("résumé.wav").unwrap(), "r_sum_.wav");
        assert_eq!(sanitize_filename("dir/"), None);
        assert_eq!(sanitize_filename("..."), None);
        assert_eq!(sanitize_filename("日本.???"), None);
        let long = format!("{}.mov", "a".repeat(300));
        let s = sanitize_filename(&long).unwrap();
        assert_eq!(s.len(), MAX_NAME);
        assert!(s.ends_with(".mov"));
    }

    #[test]
    fn extension_decides_and_the_type_must_agree() {
        assert_eq!(
            classify("a.mov", Some("video/quicktime")).unwrap(),
            (Video, "video/quicktime".into())
        );
        assert_eq!(
            classify("a.MXF", None).unwrap(),
            (Video, "application/mxf".into())
        );
        assert_eq!(
            classify("a.r3d", Some("application/octet-stream"))
                .unwrap()
                .1,
            "video/x-r3d"
        );
        assert_eq!(
            classify("a.wav", Some("audio/x-wav; codecs=1")).unwrap(),
            (Audio, "audio/x-wav".into())
        );
        assert_eq!(
            classify("a.mov", Some("image/png")).unwrap_err().0,
            "type-mismatch"
        );
        assert_eq!(
            classify("a.mp4", Some("text/html")).unwrap_err().0,
            "type-mismatch"
        );
        assert_eq!(
            classify("a.exe", Some("video/mp4")).unwrap_err().0,
            "unsupported-type"
        );
        assert_eq!(classify("noext", None).unwrap_err().0, "unsupported-type");
    }

    #[test]
    fn svg_is_never_an_image() {
        assert_eq!(classify("a.svg", None).unwrap_err().0, "unsupported-type");
        assert_eq!(
            classify("a.png", Some("image/svg+xml")).unwrap_err().0,
            "unsupported-type"
        );
        // Another subtype of the right kind is stored as the extension's own type.
        assert_eq!(
            classify("a.png", Some("image/x-anything")).unwrap(),
            (Image, "image/png".into())
        );
    }
}

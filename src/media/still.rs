//! Still images (PNG, JPEG, TIFF, WebP, OpenEXR, DPX, Photoshop, GIF): recognised by their first
//! bytes, probed and read with ffmpeg's single-picture demuxer for that format (never the
//! image2 sequence reader, which opens other files named like the input), and their preview:
//! one JPEG of the picture, at most `MAX_SIDE` pixels on its longer side, never enlarged. Like
//! audio's waveform in place of a picture ladder, a still gets no HLS ladder: the preview is the
//! picture, and the version is ready once it is published.

use super::MediaInput;
use super::ffmpeg::{BadInput, FfmpegError, Tools};
use super::images::even;
use super::pipeline::{self, MANIFEST, Manifest, POSTER};
use super::probe::{self, TechnicalMetadata};
use std::path::Path;

/// Longest side of a still's preview picture: sharp on a 4K screen's review panel, small to load.
pub const MAX_SIDE: u32 = 2048;

/// The single-picture demuxers mm reads stills with, and how each format's file begins.
pub const DEMUXERS: &[(&str, &[&[u8]])] = &[
    ("png_pipe", &[b"\x89PNG\r\n\x1a\n"]),
    ("jpeg_pipe", &[b"\xff\xd8\xff"]),
    ("tiff_pipe", &[b"II*\0", b"MM\0*"]),
    ("exr_pipe", &[b"\x76\x2f\x31\x01"]),
    ("dpx_pipe", &[b"SDPX", b"XPDS"]),
    ("psd_pipe", &[b"8BPS"]),
    // An animated GIF's preview is its first picture.
    ("gif", &[b"GIF87a", b"GIF89a"]),
];

/// The demuxer for a file starting with `head`, if it is a still mm reads.
pub fn demuxer_of(head: &[u8]) -> Option<&'static str> {
    // WebP is a RIFF file with `WEBP` at byte 8.
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("webp_pipe");
    }
    DEMUXERS
        .iter()
        .find(|(_, magics)| magics.iter().any(|m| head.starts_with(m)))
        .map(|(name, _)| *name)
}

/// Probes the still at `input`, whose first bytes are `head`: its picture as the video stream,
/// no duration, no frame rate. `BadInput` when it is not a still mm reads.
pub async fn probe(
    tools: &Tools,
    input: &MediaInput,
    head: &[u8],
) -> Result<TechnicalMetadata, FfmpegError> {
    if head.is_empty() {
        return Err(FfmpegError::bad_input(BadInput::Empty, "0 bytes"));
    }
    let demuxer = demuxer_of(head)
        .ok_or_else(|| FfmpegError::bad_input(BadInput::NotStill, "unknown first bytes"))?;
    let out = tools
        .ffprobe()
        .args(["-show_format", "-show_streams", "-print_format", "json"])
        .args(input.still_input_args(demuxer))
        .redact(input.secret())
        .output()
        .await?;
    probe::parse_still(&out, demuxer)
}

/// The preview picture's size: the displayed size, scaled down to fit `MAX_SIDE`, even.
pub fn preview_size(meta: &TechnicalMetadata) -> Option<(u32, u32)> {
    let v = meta.video.as_ref()?;
    let (w, h) = (
        v.display_width.max(1) as f64,
        v.display_height.max(1) as f64,
    );
    let scale = (MAX_SIDE as f64 / w.max(h)).min(1.0);
    Some((even(w * scale), even(h * scale)))
}

/// Renders the still's preview picture (`poster.jpg`) and manifest into `out`.
pub async fn render(
    tools: &Tools,
    meta: &TechnicalMetadata,
    input: &MediaInput,
    out: &Path,
) -> Result<Manifest, FfmpegError> {
    let demuxer = DEMUXERS
        .iter()
        .map(|(d, _)| *d)
        .chain(["webp_pipe"])
        .find(|d| *d == meta.container)
        .ok_or_else(|| FfmpegError::bad_input(BadInput::NotStill, meta.container.clone()))?;
    let (w, h) = preview_size(meta)
        .ok_or_else(|| FfmpegError::bad_input(BadInput::NoStreams, "no picture"))?;
    let file = out.join(POSTER);
    tools
        .ffmpeg()
        .args(input.still_input_args(demuxer))
        .redact(input.secret())
        .arg("-filter_complex")
        // Transparent parts (logos, graphics) show on white, as viewers and browsers show them,
        // not on whatever colour the hidden pixels have.
        .arg(format!(
            "color=white:size={w}x{h}[bg];[0:v:0]scale={w}:{h}:flags=bicubic,setsar=1,format=rgba[fg];\
             [bg][fg]overlay=shortest=1,format=yuvj420p"
        ))
        .args(["-frames:v", "1"])
        .args(["-q:v", "3", "-c:v", "mjpeg", "-f", "image2", "-update", "1"])
        .arg(&file)
        .run(|_| {})
        .await?;
    if !std::fs::metadata(&file).is_ok_and(|m| m.len() > 0) {
        return Err(FfmpegError::bad_input(
            BadInput::NotMedia,
            "the picture could not be decoded",
        ));
    }
    let files = pipeline::list_files(out, false).map_err(pipeline::io("listing outputs"))?;
    let manifest = Manifest {
        duration: 0.0,
        master: None,
        poster: Some(POSTER.into()),
        poster_time: None,
        sprite_vtt: None,
        waveform: None,
        renditions: Vec::new(),
        files,
        color: None,
        audio_mapping: None,
        still: true,
        proxy: None,
    };
    pipeline::write(
        out,
        MANIFEST,
        &serde_json::to_vec_pretty(&manifest).expect("serializable"),
    )
    .await?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stills_are_known_by_their_first_bytes() {
        assert_eq!(
            demuxer_of(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("png_pipe")
        );
        assert_eq!(demuxer_of(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some("jpeg_pipe"));
        assert_eq!(demuxer_of(b"II*\0\x08\0\0\0"), Some("tiff_pipe"));
        assert_eq!(demuxer_of(b"RIFF\x34\x0c\0\0WEBPVP8 "), Some("webp_pipe"));
        assert_eq!(demuxer_of(b"GIF89a\x01\0"), Some("gif"));
        // A movie, a WAV (RIFF but not WebP) and text are not stills.
        assert_eq!(demuxer_of(b"\0\0\0\x20ftypqt  "), None);
        assert_eq!(demuxer_of(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(demuxer_of(b"hello"), None);
    }
}

//! Why an ffmpeg or ffprobe run failed: bad input in words a person understands, or a fault of
//! the tools, the machine or a bound.

use std::process::ExitStatus;
use std::time::Duration;
/// Why an input cannot be previewed, in words a person understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadInput {
    Empty,
    NotMedia,
    NoStreams,
    Truncated,
    Unsupported,
    TooLarge,
    /// An image upload whose bytes are no still picture mm reads.
    NotStill,
}

impl BadInput {
    pub fn reason(self) -> &'static str {
        match self {
            BadInput::Empty => "the file is empty",
            BadInput::NotMedia => "not a media file: no video or audio format was recognised",
            BadInput::NoStreams => "no decodable video or audio stream",
            BadInput::Truncated => "the file is truncated: its end is missing",
            BadInput::Unsupported => "the media uses a format or codec that cannot be decoded",
            BadInput::TooLarge => "the picture is too large: more than 8192x8192 pixels",
            BadInput::NotStill => {
                "not a still picture mm reads (PNG, JPEG, TIFF, WebP, OpenEXR, DPX, PSD or GIF)"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FfmpegError {
    #[error("could not start {program}: {source}")]
    Spawn {
        program: &'static str,
        source: std::io::Error,
    },
    /// The input itself is the problem: retrying cannot help.
    #[error("{}", .kind.reason())]
    BadInput { kind: BadInput, detail: String },
    #[error("{program} made no progress for {} s and was stopped; last output: {tail}", .after.as_secs())]
    Stalled {
        program: &'static str,
        after: Duration,
        tail: String,
    },
    #[error("{program} failed ({status}): {tail}")]
    Failed {
        program: &'static str,
        status: ExitStatus,
        tail: String,
    },
    #[error("{program}: {source}")]
    Io {
        program: &'static str,
        source: std::io::Error,
    },
    #[error("unexpected output from {program}: {message}")]
    Output {
        program: &'static str,
        message: String,
    },
    /// The master makes no sense, or a run went past its bounds (`media::sanity`): the
    /// input is the problem, so retrying cannot help.
    #[error("{reason}")]
    Limit {
        program: &'static str,
        reason: String,
    },
}

impl FfmpegError {
    /// Bad input (not media, truncated, no stream): a fatal job error, never retried.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            FfmpegError::BadInput { .. } | FfmpegError::Limit { .. }
        )
    }

    pub fn bad_input(kind: BadInput, detail: impl Into<String>) -> Self {
        FfmpegError::BadInput {
            kind,
            detail: detail.into(),
        }
    }

    /// A failure whose stderr names an input problem becomes `BadInput`.
    pub(super) fn classify(program: &'static str, status: ExitStatus, tail: String) -> Self {
        match classify_stderr(&tail) {
            Some(kind) => FfmpegError::BadInput { kind, detail: tail },
            None => FfmpegError::Failed {
                program,
                status,
                tail,
            },
        }
    }
}

/// Recognises ffmpeg's messages about broken or non-media input.
pub fn classify_stderr(tail: &str) -> Option<BadInput> {
    let t = tail.to_ascii_lowercase();
    if t.contains("moov atom not found")
        || t.contains("partial file")
        || t.contains("truncat")
        || t.contains("end of file")
    {
        Some(BadInput::Truncated)
    } else if t.contains("invalid data found when processing input")
        || t.contains("format not on whitelist")
        || t.contains("could not find codec parameters")
    {
        Some(BadInput::NotMedia)
    } else if t.contains("does not contain any stream") || t.contains("matches no streams") {
        Some(BadInput::NoStreams)
    } else if t.contains("decoder") && t.contains("not found") {
        Some(BadInput::Unsupported)
    } else {
        None
    }
}

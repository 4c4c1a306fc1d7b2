//! Media processing: ffmpeg/ffprobe processes, probing, the one-pass HLS ladder, the master
//! playlist, poster and sprite images, the waveform, and the pipeline tying them together.

pub mod audio;
pub mod chunk;
pub mod color;
pub mod encoder;
pub mod ffmpeg;
pub mod growing;
pub mod images;
pub mod ladder;
pub mod mp4;
pub mod passthrough;
pub mod pipeline;
pub mod playlist;
pub mod probe;
pub mod proxy;
pub mod remix;
pub mod sanity;
pub mod still;
pub mod tonemap_lut;
pub mod waveform;

pub use ffmpeg::{BadInput, FfmpegError, Progress, Tools};
pub use probe::TechnicalMetadata;

use std::ffi::OsString;
use std::path::PathBuf;

/// Demuxers mm opens. Playlists and lists of files (hls, concat, dash) and image sequences are
/// refused, so an upload can never make ffmpeg read other files or URLs into a preview.
pub const ALLOWED_DEMUXERS: &str = "mov,matroska,mxf,avi,mpegts,mpeg,mpegvideo,m4v,h264,hevc,\
flv,asf,dv,gxf,nut,ogg,wav,w64,aiff,caf,mp3,flac,aac,ac3,eac3,dts,truehd,mlp,wv,ape,amr,au,rm,ivf";

/// Where a master is read from: a local file, or a presigned URL read with range requests.
/// Either way ffmpeg streams it; it is never copied whole into memory.
#[derive(Clone, Debug)]
pub enum MediaInput {
    Path(PathBuf),
    Url(String),
}

impl MediaInput {
    /// The input options and `-i <input>`, restricted to media demuxers and the input's own
    /// protocol.
    pub fn input_args(&self) -> Vec<OsString> {
        self.args(vec!["-format_whitelist".into(), ALLOWED_DEMUXERS.into()])
    }

    /// As `input_args`, read with the single-picture demuxer `demuxer` (one of
    /// `still::DEMUXERS`) and no other: probing by name could pick the image2 sequence reader.
    pub fn still_input_args(&self, demuxer: &'static str) -> Vec<OsString> {
        self.args(
            ["-format_whitelist", demuxer, "-f", demuxer]
                .map(OsString::from)
                .into(),
        )
    }

    fn args(&self, mut a: Vec<OsString>) -> Vec<OsString> {
        match self {
            MediaInput::Path(p) => {
                a.extend(["-protocol_whitelist".into(), "file".into(), "-i".into()]);
                // A leading `-` or a `proto:` prefix must not be read as an option or protocol.
                let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                let mut f = OsString::from("file:");
                f.push(abs.as_os_str());
                a.push(f);
            }
            MediaInput::Url(u) => {
                a.extend(
                    [
                        "-protocol_whitelist",
                        "http,https,tcp,tls",
                        "-reconnect",
                        "1",
                        "-reconnect_on_network_error",
                        "1",
                        "-reconnect_delay_max",
                        "10",
                        "-i",
                    ]
                    .map(OsString::from),
                );
                a.push(u.into());
            }
        }
        a
    }

    /// What must never appear in messages (the presigned URL).
    pub fn secret(&self) -> &str {
        match self {
            MediaInput::Path(_) => "",
            MediaInput::Url(u) => u,
        }
    }

    /// The size of a local regular file, to refuse empty files before ffmpeg sees them.
    pub fn local_len(&self) -> Option<u64> {
        match self {
            MediaInput::Path(p) => std::fs::metadata(p)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            MediaInput::Url(_) => None,
        }
    }

    /// The first bytes of a local regular file, to tell a cut-off movie from a non-movie.
    pub fn local_head(&self) -> Option<Vec<u8>> {
        use std::io::Read;
        let MediaInput::Path(p) = self else {
            return None;
        };
        // Checked before opening: opening a FIFO would block until someone writes to it.
        if !std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let f = std::fs::File::open(p).ok()?;
        let mut head = Vec::with_capacity(16);
        f.take(16).read_to_end(&mut head).ok()?;
        Some(head)
    }
}

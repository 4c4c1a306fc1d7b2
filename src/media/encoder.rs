//! The H.264 encoder for the ladder: libx264, or a hardware encoder that passed a one-second
//! test encode when the worker started.

use super::ffmpeg::Tools;
use crate::config::{PreviewConfig, VideoEncoder};
use std::ffi::OsString;

/// The encoder the ladder uses and the options that go with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoder {
    pub kind: VideoEncoder,
    /// libx264's preset (`MM_X264_PRESET`).
    pub x264_preset: String,
    pub vaapi_device: String,
}

impl Encoder {
    /// libx264 with the configured preset, without any test.
    pub fn software(config: &PreviewConfig) -> Self {
        Self {
            kind: VideoEncoder::Libx264,
            x264_preset: config.x264_preset.clone(),
            vaapi_device: config.vaapi_device.clone(),
        }
    }

    /// The configured encoder if a one-second test encode with it succeeds; else a warning
    /// and libx264, so a worker on a machine without the GPU still makes previews.
    pub async fn select(tools: &Tools, config: &PreviewConfig) -> Self {
        let wanted = Self {
            kind: config.video_encoder,
            ..Self::software(config)
        };
        if wanted.kind == VideoEncoder::Libx264 {
            return wanted;
        }
        let test = tools
            .ffmpeg()
            .args(wanted.global_args())
            .args([
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=30:duration=1",
            ])
            .args(["-vf", &format!("format=yuv420p{}", wanted.upload_filter())])
            .args(wanted.codec_args())
            .args(["-b:v", "500k", "-f", "null", "-"]);
        match tokio::time::timeout(std::time::Duration::from_secs(30), test.run(|_| {})).await {
            Ok(Ok(())) => {
                tracing::info!(
                    encoder = wanted.kind.as_str(),
                    "hardware encoder passed its test encode"
                );
                wanted
            }
            outcome => {
                let why = match outcome {
                    Ok(Err(e)) => e.to_string(),
                    _ => "the test encode timed out".into(),
                };
                tracing::warn!(
                    encoder = wanted.kind.as_str(),
                    error = %why,
                    "MM_VIDEO_ENCODER failed its test encode; using libx264"
                );
                Self::software(config)
            }
        }
    }

    /// Options placed before the input (the VA-API device).
    pub fn global_args(&self) -> Vec<OsString> {
        match self.kind {
            VideoEncoder::Vaapi => vec!["-vaapi_device".into(), self.vaapi_device.clone().into()],
            _ => vec![],
        }
    }

    /// What ends each rung's filter chain after the 8-bit 4:2:0 conversion.
    pub fn upload_filter(&self) -> &'static str {
        match self.kind {
            VideoEncoder::Vaapi => ",format=nv12,hwupload",
            _ => "",
        }
    }

    /// The pixel format each rung is converted to before the encoder.
    pub fn pix_fmt(&self) -> &'static str {
        match self.kind {
            VideoEncoder::Vaapi => "nv12",
            _ => "yuv420p",
        }
    }

    /// Codec, profile and the keyframe rules that keep GOPs closed and free of scene cuts.
    pub fn codec_args(&self) -> Vec<OsString> {
        let a: Vec<&str> = match self.kind {
            VideoEncoder::Libx264 => vec![
                "-c:v",
                "libx264",
                "-preset",
                &self.x264_preset,
                "-profile:v",
                "high",
                "-sc_threshold",
                "0",
            ],
            VideoEncoder::Nvenc => vec![
                "-c:v",
                "h264_nvenc",
                "-preset",
                "p5",
                "-profile:v",
                "high",
                "-rc",
                "vbr",
                "-no-scenecut",
                "1",
                "-forced-idr",
                "1",
            ],
            VideoEncoder::Vaapi => vec![
                "-c:v",
                "h264_vaapi",
                "-profile:v",
                "high",
                "-rc_mode",
                "VBR",
            ],
        };
        let mut out: Vec<OsString> = a.into_iter().map(OsString::from).collect();
        out.extend(["-flags:v", "+cgop"].map(OsString::from));
        out
    }
}

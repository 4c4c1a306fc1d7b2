//! Tiny test clips made with ffmpeg's test sources, and ffprobe/ffmpeg helpers for checks.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Audio {
    None,
    Mono,
    Stereo,
    FiveOne,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Clip {
    /// Coded size; `None` for audio only.
    pub size: Option<(u32, u32)>,
    pub fps: u32,
    pub seconds: f64,
    pub audio: Audio,
    /// Display-matrix rotation written afterwards (as phones do).
    pub rotate: Option<u32>,
    /// Drop frames after the first second so the rate varies.
    pub vfr: bool,
    /// Interlaced coding, top field first (as 1080i cameras record).
    pub interlaced: bool,
    pub name: &'static str,
}

impl Clip {
    pub fn video(name: &'static str, w: u32, h: u32, audio: Audio) -> Self {
        Clip {
            size: Some((w, h)),
            fps: 25,
            seconds: 3.0,
            audio,
            rotate: None,
            vfr: false,
            interlaced: false,
            name,
        }
    }

    pub fn audio_only(name: &'static str) -> Self {
        Clip {
            size: None,
            fps: 25,
            seconds: 3.0,
            audio: Audio::Stereo,
            rotate: None,
            vfr: false,
            interlaced: false,
            name,
        }
    }

    /// Writes the clip into `dir` and returns its path.
    pub fn make(&self, dir: &Path) -> PathBuf {
        let ext = if self.size.is_some() { "mp4" } else { "m4a" };
        let path = dir.join(format!("{}.{ext}", self.name));
        let mut args: Vec<String> = vec!["-y".into()];
        let d = self.seconds;
        if let Some((w, h)) = self.size {
            args.extend([
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!("testsrc2=size={w}x{h}:rate={}:duration={d}", self.fps),
            ]);
        }
        if self.audio != Audio::None {
            args.extend([
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!("sine=frequency=440:sample_rate=48000:duration={d}"),
            ]);
        }
        let mut vf = Vec::new();
        if self.vfr {
            vf.push(format!("select='if(lt(n,{}),1,not(mod(n,3)))'", self.fps));
        }
        if !vf.is_empty() {
            args.extend(["-vf".into(), vf.join(",")]);
            args.extend(["-vsync".into(), "vfr".into()]);
        }
        match self.audio {
            Audio::FiveOne => args.extend([
                "-af".into(),
                "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0".into(),
            ]),
            Audio::Stereo => args.extend(["-ac".into(), "2".into()]),
            _ => {}
        }
        if let Some((w, h)) = self.size {
            // Odd sizes need 4:4:4; 4:2:0 needs even ones.
            let pix = if w % 2 == 1 || h % 2 == 1 {
                "yuv444p"
            } else {
                "yuv420p"
            };
            args.extend(
                ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix].map(String::from),
            );
            if self.interlaced {
                args.extend(["-flags", "+ildct+ilme", "-top", "1"].map(String::from));
            }
        }
        if self.audio != Audio::None {
            args.extend(["-c:a", "aac", "-b:a", "96k"].map(String::from));
        }
        args.push(path.to_str().unwrap().into());
        ffmpeg(&args);
        if let Some(deg) = self.rotate {
            let rotated = dir.join(format!("{}-rot.mp4", self.name));
            ffmpeg(&[
                "-y".into(),
                "-i".into(),
                path.to_str().unwrap().into(),
                "-c".into(),
                "copy".into(),
                "-metadata:s:v:0".into(),
                format!("rotate={deg}"),
                rotated.to_str().unwrap().into(),
            ]);
            return rotated;
        }
        path
    }
}

pub fn ffmpeg(args: &[String]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// ffprobe's JSON for `args`.
pub fn ffprobe_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json"])
        .args(args)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Decodes every frame of `input` (a playlist or a file); panics with ffmpeg's errors.
pub fn decodes(input: &Path) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i"])
        .arg(input)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{} does not decode cleanly: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Width and height of the first video stream (or image) of `file`.
pub fn dimensions(file: &Path) -> (u32, u32) {
    let v = ffprobe_json(&[
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height",
        file.to_str().unwrap(),
    ]);
    let s = &v["streams"][0];
    (
        s["width"].as_u64().unwrap() as u32,
        s["height"].as_u64().unwrap() as u32,
    )
}

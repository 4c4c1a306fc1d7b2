//! Preview settings: the HLS ladder, segment length, poster time, ffmpeg watchdog, encoder and
//! the directory where encodes are made.

use super::{Env, Problem, Role};
use std::path::PathBuf;

/// Where the poster frame is taken from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PosterAt {
    /// A fraction of the duration (`10%` is 0.10).
    Fraction(f64),
    /// A fixed time in seconds, clamped to the duration.
    Seconds(f64),
}

impl PosterAt {
    /// The time in seconds for a master of `duration` seconds, always inside the media.
    pub fn resolve(self, duration: f64) -> f64 {
        let t = match self {
            PosterAt::Fraction(f) => duration * f,
            PosterAt::Seconds(s) => s,
        };
        t.clamp(0.0, (duration - 0.1).max(0.0))
    }
}

impl std::str::FromStr for PosterAt {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("{s:?} is not a percentage like 10%"))?;
            if !(0.0..=100.0).contains(&p) {
                return Err(format!("{s:?} must be between 0% and 100%"));
            }
            return Ok(PosterAt::Fraction(p / 100.0));
        }
        let secs: f64 = s
            .strip_suffix('s')
            .unwrap_or(s)
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not a time like 10% or 5s"))?;
        if !secs.is_finite() || secs < 0.0 {
            return Err(format!("{s:?} must be a positive time"));
        }
        Ok(PosterAt::Seconds(secs))
    }
}

/// How HDR (PQ, HLG) masters are brought to SDR for previews (`MM_HDR_TONEMAP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HdrTonemap {
    /// No mapping: the rungs keep the master's HDR tags (grey and flat on SDR screens).
    Off,
    /// One of ffmpeg's `tonemap` operators.
    Hable,
    Mobius,
    Reinhard,
    Clip,
}

impl HdrTonemap {
    pub fn as_str(self) -> &'static str {
        match self {
            HdrTonemap::Off => "off",
            HdrTonemap::Hable => "hable",
            HdrTonemap::Mobius => "mobius",
            HdrTonemap::Reinhard => "reinhard",
            HdrTonemap::Clip => "clip",
        }
    }
}

impl std::str::FromStr for HdrTonemap {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            HdrTonemap::Off,
            HdrTonemap::Hable,
            HdrTonemap::Mobius,
            HdrTonemap::Reinhard,
            HdrTonemap::Clip,
        ]
        .into_iter()
        .find(|t| t.as_str() == s.trim())
        .ok_or_else(|| format!("{s:?} is not one of off, hable, mobius, reinhard, clip"))
    }
}

/// The H.264 encoder asked for; hardware ones are used only after a test encode succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoEncoder {
    Libx264,
    Nvenc,
    Vaapi,
}

impl VideoEncoder {
    pub fn as_str(self) -> &'static str {
        match self {
            VideoEncoder::Libx264 => "libx264",
            VideoEncoder::Nvenc => "h264_nvenc",
            VideoEncoder::Vaapi => "h264_vaapi",
        }
    }
}

impl std::str::FromStr for VideoEncoder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "libx264" => Ok(VideoEncoder::Libx264),
            "h264_nvenc" => Ok(VideoEncoder::Nvenc),
            "h264_vaapi" => Ok(VideoEncoder::Vaapi),
            other => Err(format!(
                "{other:?} is not one of libx264, h264_nvenc, h264_vaapi"
            )),
        }
    }
}

const X264_PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

#[derive(Clone, Debug)]
pub struct PreviewConfig {
    /// `MM_PREVIEW_LADDER`, default `360,540,720,1080`: rung heights (the short side of the
    /// displayed picture); none above the source, the smallest at source size when it is smaller.
    pub ladder: Vec<u32>,
    /// `MM_HLS_SEGMENT_SECONDS`, default 4: HLS segment and GOP length.
    pub segment_seconds: u32,
    /// `MM_CHUNK_SECONDS`, default 120: a video master longer than twice this is encoded in
    /// chunks of this length (a multiple of `MM_HLS_SEGMENT_SECONDS`) by every worker.
    pub chunk_seconds: u32,
    /// `MM_POSTER_AT`, default `10%`: a share of the duration or a time like `5s`.
    pub poster_at: PosterAt,
    /// `MM_FFMPEG_STALL_SECONDS`, default 60: an ffmpeg without progress this long is killed.
    pub stall_seconds: u64,
    /// `MM_VIDEO_ENCODER`, default `libx264`; `h264_nvenc` or `h264_vaapi` after a test encode.
    pub video_encoder: VideoEncoder,
    /// `MM_VAAPI_DEVICE`, default `/dev/dri/renderD128`: the device h264_vaapi encodes on.
    pub vaapi_device: String,
    /// `MM_X264_PRESET`, default `veryfast`: libx264's speed/size trade-off.
    pub x264_preset: String,
    /// `MM_HDR_TONEMAP`, default `mobius`: the operator HDR masters are mapped to SDR with,
    /// or `off`.
    pub hdr_tonemap: HdrTonemap,
    /// `MM_WORK_DIR`, default the system temp dir: where per-job temp dirs are made.
    pub work_dir: PathBuf,
    /// `MM_FFMPEG`, default `ffmpeg` on PATH.
    pub ffmpeg: PathBuf,
    /// `MM_FFPROBE`, default `ffprobe` on PATH.
    pub ffprobe: PathBuf,
    /// `MM_PREVIEW_READ_RATE`, default none (as fast as the machine goes): read the master at
    /// this multiple of real time while encoding the ladder (`-readrate`), e.g. `1`; for tests
    /// and demonstrations of previews that play while they are encoded.
    pub read_rate: Option<f64>,
}

impl PreviewConfig {
    pub fn from_env(env: &Env, p: &mut Vec<Problem>) -> Self {
        let ladder = match env.var(&["MM_PREVIEW_LADDER"]) {
            None => vec![360, 540, 720, 1080],
            Some(raw) => parse_ladder(&raw).unwrap_or_else(|e| {
                p.push(problem("MM_PREVIEW_LADDER", e));
                vec![360, 540, 720, 1080]
            }),
        };
        let segment_seconds: u32 = env.parsed(&["MM_HLS_SEGMENT_SECONDS"], 4, p);
        if !(1..=30).contains(&segment_seconds) {
            p.push(problem(
                "MM_HLS_SEGMENT_SECONDS",
                format!("{segment_seconds} is outside 1..=30"),
            ));
        }
        let chunk_seconds: u32 = env.parsed(&["MM_CHUNK_SECONDS"], 120, p);
        if chunk_seconds == 0 || chunk_seconds % segment_seconds.clamp(1, 30) != 0 {
            p.push(problem(
                "MM_CHUNK_SECONDS",
                format!(
                    "{chunk_seconds} is not a positive multiple of MM_HLS_SEGMENT_SECONDS ({segment_seconds})"
                ),
            ));
        }
        let stall: super::Secs = env.parsed(&["MM_FFMPEG_STALL_SECONDS"], super::Secs(60), p);
        if stall.0 == 0 {
            p.push(problem(
                "MM_FFMPEG_STALL_SECONDS",
                "must be at least 1".into(),
            ));
        }
        let x264_preset = env
            .var(&["MM_X264_PRESET"])
            .unwrap_or_else(|| "veryfast".into());
        if !X264_PRESETS.contains(&x264_preset.as_str()) {
            p.push(problem(
                "MM_X264_PRESET",
                format!("{x264_preset:?} is not one of {}", X264_PRESETS.join(", ")),
            ));
        }
        let read_rate =
            env.var(&["MM_PREVIEW_READ_RATE"])
                .and_then(|r| match r.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() && (0.1..=100.0).contains(&x) => Some(x),
                    _ => {
                        p.push(problem(
                            "MM_PREVIEW_READ_RATE",
                            format!("{r:?} is not a number from 0.1 to 100"),
                        ));
                        None
                    }
                });
        PreviewConfig {
            read_rate,
            ladder,
            segment_seconds: segment_seconds.clamp(1, 30),
            chunk_seconds: chunk_seconds.max(1),
            poster_at: env.parsed(&["MM_POSTER_AT"], PosterAt::Fraction(0.1), p),
            stall_seconds: stall.0.max(1),
            video_encoder: env.parsed(&["MM_VIDEO_ENCODER"], VideoEncoder::Libx264, p),
            vaapi_device: env
                .var(&["MM_VAAPI_DEVICE"])
                .unwrap_or_else(|| "/dev/dri/renderD128".into()),
            x264_preset,
            hdr_tonemap: env.parsed(&["MM_HDR_TONEMAP"], HdrTonemap::Mobius, p),
            work_dir: env
                .var(&["MM_WORK_DIR"])
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
            ffmpeg: env
                .var(&["MM_FFMPEG"])
                .map(PathBuf::from)
                .unwrap_or_else(|| "ffmpeg".into()),
            ffprobe: env
                .var(&["MM_FFPROBE"])
                .map(PathBuf::from)
                .unwrap_or_else(|| "ffprobe".into()),
        }
    }

    /// What a worker needs: a work directory it can write to.
    pub fn problems_for(&self, role: Role) -> Vec<Problem> {
        let mut p = Vec::new();
        if role.runs_worker() && !self.work_dir.is_dir() {
            p.push(problem(
                "MM_WORK_DIR",
                format!("{} is not a directory", self.work_dir.display()),
            ));
        }
        p
    }
}

fn problem(key: &str, message: String) -> Problem {
    Problem {
        key: key.into(),
        message,
    }
}

/// Parses `360,540,720,1080` (a `p` suffix is allowed): ascending, unique, even, 64..=4320.
pub fn parse_ladder(raw: &str) -> Result<Vec<u32>, String> {
    let mut rungs = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let h: u32 = item
            .trim_end_matches(['p', 'P'])
            .parse()
            .map_err(|_| format!("{item:?} is not a height like 720"))?;
        if !(64..=4320).contains(&h) {
            return Err(format!("{h} is outside 64..=4320"));
        }
        // Even heights keep 4:2:0 chroma whole.
        rungs.push(h & !1);
    }
    if rungs.is_empty() {
        return Err("lists no rung".into());
    }
    rungs.sort_unstable();
    rungs.dedup();
    Ok(rungs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let mut p = vec![];
        let c = PreviewConfig::from_env(&Env::default(), &mut p);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.hdr_tonemap, HdrTonemap::Mobius);
        assert_eq!(c.ladder, [360, 540, 720, 1080]);
        assert_eq!(c.segment_seconds, 4);
        assert_eq!(c.poster_at, PosterAt::Fraction(0.1));
        assert_eq!(c.stall_seconds, 60);
        assert_eq!(c.video_encoder, VideoEncoder::Libx264);
        assert_eq!(c.x264_preset, "veryfast");
        assert_eq!(c.chunk_seconds, 120);
    }

    #[test]
    fn chunks_are_whole_segments() {
        let mut p = vec![];
        let env = Env::from_pairs([("MM_HLS_SEGMENT_SECONDS", "2"), ("MM_CHUNK_SECONDS", "4")]);
        assert_eq!(PreviewConfig::from_env(&env, &mut p).chunk_seconds, 4);
        assert!(p.is_empty(), "{p:?}");
        for bad in ["6", "0"] {
            let env = Env::from_pairs([("MM_HLS_SEGMENT_SECONDS", "4"), ("MM_CHUNK_SECONDS", bad)]);
            PreviewConfig::from_env(&env, &mut p);
            assert_eq!(p.pop().map(|p| p.key), Some("MM_CHUNK_SECONDS".to_string()));
        }
    }

    #[test]
    fn ladders_parse_sorted_and_bad_ones_are_named() {
        assert_eq!(
            parse_ladder("1080p, 360,720,360").unwrap(),
            [360, 720, 1080]
        );
        assert!(parse_ladder("tall").is_err());
        assert!(parse_ladder("8").is_err());
        let mut p = vec![];
        PreviewConfig::from_env(
            &Env::from_pairs([
                ("MM_PREVIEW_LADDER", "abc"),
                ("MM_VIDEO_ENCODER", "h265"),
                ("MM_X264_PRESET", "warp"),
                ("MM_POSTER_AT", "200%"),
            ]),
            &mut p,
        );
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "MM_PREVIEW_LADDER",
                "MM_X264_PRESET",
                "MM_POSTER_AT",
                "MM_VIDEO_ENCODER"
            ]
        );
    }

    #[test]
    fn hdr_tonemap_is_an_operator_or_off() {
        let mut p = vec![];
        let env = Env::from_pairs([("MM_HDR_TONEMAP", "off")]);
        assert_eq!(
            PreviewConfig::from_env(&env, &mut p).hdr_tonemap,
            HdrTonemap::Off
        );
        let env = Env::from_pairs([("MM_HDR_TONEMAP", "aces")]);
        PreviewConfig::from_env(&env, &mut p);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].key, "MM_HDR_TONEMAP");
    }

    #[test]
    fn poster_time_stays_inside_the_media() {
        assert_eq!("10%".parse::<PosterAt>().unwrap().resolve(50.0), 5.0);
        assert_eq!("7s".parse::<PosterAt>().unwrap().resolve(50.0), 7.0);
        assert!((PosterAt::Seconds(90.0).resolve(3.0) - 2.9).abs() < 1e-9);
        assert_eq!(PosterAt::Fraction(0.5).resolve(0.0), 0.0);
    }
}

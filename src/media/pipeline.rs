//! The whole preview of one master into a local directory: the one-pass ladder, checks that
//! everything was decoded, poster, sprite map, waveform, master playlist and manifest.

use super::MediaInput;
use super::audio::AudioMapping;
use super::color::ColorRecord;
use super::encoder::Encoder;
use super::ffmpeg::{BadInput, FfmpegError, Tools};
use super::images::{self, SpritePlan};
use super::ladder::{self, HlsLayout, Plan, WAVE_RATE};
use super::playlist::{self, Variant};
use super::probe::TechnicalMetadata;
use super::{tonemap_lut, waveform};
use crate::config::{HdrTonemap, PosterAt, PreviewConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Share of the progress bar the encode takes; images and playlists take the rest.
const ENCODE_SHARE: f64 = 95.0;
/// A rendition shorter than this share of the probed duration means the input is truncated.
const MIN_DECODED_SHARE: f64 = 0.9;

pub const MASTER: &str = "index.m3u8";
pub const MANIFEST: &str = "manifest.json";
pub const POSTER: &str = "poster.jpg";
pub const SPRITE: &str = "sprite.jpg";
pub const SPRITE_VTT: &str = "sprite.vtt";
pub const WAVEFORM: &str = "waveform.json";

/// What a preview is made with.
#[derive(Clone, Debug)]
pub struct Settings {
    pub ladder: Vec<u32>,
    pub segment_seconds: u32,
    pub poster_at: PosterAt,
    pub encoder: Encoder,
    pub tonemap: HdrTonemap,
    /// The audio mapping chosen for this version; none for the master's default.
    pub audio_mapping: Option<AudioMapping>,
    /// Where tone-mapping LUTs are kept between jobs (`<MM_WORK_DIR>/tonemap-luts`).
    pub lut_dir: PathBuf,
    /// How the renditions are written (a growing set for a preview published while made).
    pub layout: HlsLayout,
    /// `MM_PREVIEW_READ_RATE`.
    pub read_rate: Option<f64>,
}

impl Settings {
    pub fn new(c: &PreviewConfig, encoder: Encoder) -> Self {
        Self {
            ladder: c.ladder.clone(),
            segment_seconds: c.segment_seconds,
            poster_at: c.poster_at,
            encoder,
            tonemap: c.hdr_tonemap,
            audio_mapping: None,
            lut_dir: c.work_dir.join("tonemap-luts"),
            layout: HlsLayout::SingleFile,
            read_rate: c.read_rate,
        }
    }

    /// The ladder plan for `meta` with these settings.
    pub fn plan(&self, meta: &TechnicalMetadata) -> Plan {
        Plan {
            layout: self.layout,
            read_rate: self.read_rate,
            ..ladder::plan(
                meta,
                &self.ladder,
                self.segment_seconds,
                self.tonemap,
                self.audio_mapping,
            )
        }
    }

    /// The plan, with its tone-mapping LUT made (once per kind of master) when it has one.
    pub async fn prepared_plan(
        &self,
        tools: &Tools,
        meta: &TechnicalMetadata,
    ) -> Result<Plan, FfmpegError> {
        let mut plan = self.plan(meta);
        if let Some(color) = plan.color.as_mut().filter(|c| c.maps_hdr()) {
            tonemap_lut::prepare(tools, color, &self.lut_dir).await?;
        }
        Ok(plan)
    }
}

/// One file of a finished preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Relative to the preview's prefix, `/`-separated.
    pub path: String,
    pub size: u64,
    pub content_type: String,
}

/// `manifest.json`: every output of the preview with its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub duration: f64,
    /// The master playlist; none for a still, whose preview is its picture.
    pub master: Option<String>,
    pub poster: Option<String>,
    /// Where in the media the poster was taken, in seconds.
    #[serde(default)]
    pub poster_time: Option<f64>,
    pub sprite_vtt: Option<String>,
    pub waveform: Option<String>,
    pub renditions: Vec<RenditionInfo>,
    pub files: Vec<OutputFile>,
    /// How the picture was brought to SDR BT.709 (tone mapping, dithering).
    #[serde(default)]
    pub color: Option<ColorRecord>,
    /// Which audio tracks make the stereo, e.g. `pair:1,2`.
    #[serde(default)]
    pub audio_mapping: Option<AudioMapping>,
    /// A still picture's preview: `poster` is the picture, nothing plays.
    #[serde(default)]
    pub still: bool,
    /// The progressive MP4 a share link's `proxy` download gives, once a job made it.
    #[serde(default)]
    pub proxy: Option<super::proxy::ProxyInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenditionInfo {
    pub name: String,
    pub playlist: String,
    /// The same rendition as one fragmented MP4, playable without HLS.
    pub mp4: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bandwidth: u64,
    pub average_bandwidth: u64,
    pub codecs: String,
}

/// Content type of a preview file, from its extension.
pub fn content_type(path: &str, audio_only: bool) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "m3u8" => "application/vnd.apple.mpegurl",
        "mp4" if audio_only => "audio/mp4",
        "mp4" => "video/mp4",
        "jpg" => "image/jpeg",
        "vtt" => "text/vtt; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// Renders every preview file of `meta`'s master into `out`, reporting (percent, eta).
pub async fn render(
    tools: &Tools,
    settings: &Settings,
    meta: &TechnicalMetadata,
    input: &MediaInput,
    out: &Path,
    mut on_progress: impl FnMut(f64, Option<Duration>),
) -> Result<Manifest, FfmpegError> {
    let plan = settings.prepared_plan(tools, meta).await?;
    let started = Instant::now();
    let duration = meta.duration;
    if plan.sprite.is_some() {
        tokio::fs::create_dir_all(out.join(ladder::SPRITE_TILES))
            .await
            .map_err(io("making the sprite tile dir"))?;
    }
    ladder::command(tools, &plan, &settings.encoder, input, out, true)
        .run(|p| {
            let share = if p.done {
                1.0
            } else {
                (p.out_time.as_secs_f64() / duration).clamp(0.0, 0.999)
            };
            let percent = share * ENCODE_SHARE;
            on_progress(percent, eta(started.elapsed(), percent));
        })
        .await?;
    if plan.layout == HlsLayout::Growing {
        super::growing::finish(&plan.variant_names(), out).await?;
    }
    let manifest = finish(tools, settings, meta, input, &plan, out).await?;
    on_progress(100.0, Some(Duration::ZERO));
    Ok(manifest)
}

/// Everything after the encode, once every rung is in `out` (`<name>/media.mp4` and its
/// playlist), with the sprite tiles and `wave.raw` when planned: checks, poster, sprite
/// sheet, waveform, master playlist and manifest. The one-pass render and the join of
/// chunks (`media::chunk`) both end here.
pub async fn finish(
    tools: &Tools,
    settings: &Settings,
    meta: &TechnicalMetadata,
    input: &MediaInput,
    plan: &Plan,
    out: &Path,
) -> Result<Manifest, FfmpegError> {
    let duration = meta.duration;
    let variants = check_renditions(tools, plan, out).await?;
    let (poster, poster_time) = match (&meta.video, plan.rungs.last()) {
        (Some(_), Some(top)) => {
            let at = settings.poster_at.resolve(duration);
            let color = plan_color(plan, top);
            images::poster(
                tools,
                input,
                at,
                (top.width, top.height),
                &color,
                &out.join(POSTER),
            )
            .await?;
            (Some(POSTER.to_string()), Some(at))
        }
        _ => (None, None),
    };
    let sprite_vtt = match &plan.sprite {
        Some(s) => Some(write_sprite_vtt(tools, s, out).await?),
        None => None,
    };
    let waveform = if plan.waveform {
        let raw = out.join("wave.raw");
        let w = waveform::from_raw(&raw, WAVE_RATE)
            .await
            .map_err(io("waveform"))?;
        let _ = tokio::fs::remove_file(&raw).await;
        write(
            out,
            WAVEFORM,
            &serde_json::to_vec(&w).expect("serializable"),
        )
        .await?;
        Some(WAVEFORM.to_string())
    } else {
        None
    };
    write(out, MASTER, playlist::master(&variants).as_bytes()).await?;
    let audio_only = plan.rungs.is_empty();
    let files = list_files(out, audio_only).map_err(io("listing outputs"))?;
    let manifest = Manifest {
        duration,
        master: Some(MASTER.into()),
        poster,
        poster_time,
        sprite_vtt,
        waveform,
        renditions: plan
            .variant_names()
            .iter()
            .zip(&variants)
            .map(|(name, v)| RenditionInfo {
                name: name.clone(),
                playlist: v.uri.clone(),
                mp4: format!("{name}/media.mp4"),
                width: v.resolution.map(|r| r.0),
                height: v.resolution.map(|r| r.1),
                bandwidth: v.bandwidth,
                average_bandwidth: v.average_bandwidth,
                codecs: v.codecs.clone(),
            })
            .collect(),
        files,
        color: plan.color.as_ref().map(|c| c.record()),
        audio_mapping: plan.audio_mapping,
        still: false,
        proxy: None,
    };
    write(
        out,
        MANIFEST,
        &serde_json::to_vec_pretty(&manifest).expect("serializable"),
    )
    .await?;
    Ok(manifest)
}

/// Re-renders only the poster at `at` seconds into `out`.
pub async fn render_poster(
    tools: &Tools,
    settings: &Settings,
    meta: &TechnicalMetadata,
    input: &MediaInput,
    at: f64,
    out: &Path,
) -> Result<(u32, u32), FfmpegError> {
    let plan = settings.prepared_plan(tools, meta).await?;
    let top = plan.rungs.last().ok_or_else(|| {
        FfmpegError::bad_input(BadInput::NoStreams, "an audio-only master has no poster")
    })?;
    let at = at.clamp(0.0, (meta.duration - 0.1).max(0.0));
    let color = plan_color(&plan, top);
    images::poster(tools, input, at, (top.width, top.height), &color, out).await?;
    Ok((top.width, top.height))
}

/// The poster's picture conversion: the rungs' chain at the top rung's size.
fn plan_color(plan: &Plan, top: &ladder::Rung) -> String {
    plan.color
        .as_ref()
        .map(|c| c.chain((top.width, top.height)))
        .unwrap_or_default()
}

fn eta(elapsed: Duration, percent: f64) -> Option<Duration> {
    (percent >= 1.0).then(|| elapsed.mul_f64((100.0 - percent).max(0.0) / percent))
}

/// Reads each rendition's playlist, refuses a short (truncated) decode, and measures what the
/// master playlist states.
pub(crate) async fn check_renditions(
    tools: &Tools,
    plan: &Plan,
    out: &Path,
) -> Result<Vec<Variant>, FfmpegError> {
    let mut variants = Vec::new();
    for name in plan.variant_names() {
        variants.push(check_rendition(tools, &name, plan.duration, out).await?);
    }
    Ok(variants)
}

/// `check_renditions` for the one rendition in `out/<name>/`, of a master `duration` long.
pub(crate) async fn check_rendition(
    tools: &Tools,
    name: &str,
    duration: f64,
    out: &Path,
) -> Result<Variant, FfmpegError> {
    let dir = out.join(name);
    let text = tokio::fs::read_to_string(dir.join("index.m3u8"))
        .await
        .map_err(io("reading a rendition playlist"))?;
    let pl = playlist::parse_media(&text, |uri| {
        std::fs::metadata(dir.join(uri)).ok().map(|m| m.len())
    });
    let decoded = pl.duration();
    if !pl.ended || decoded < duration * MIN_DECODED_SHARE - 0.5 {
        return Err(FfmpegError::bad_input(
            BadInput::Truncated,
            format!("only {decoded:.1} s of {duration:.1} s could be decoded"),
        ));
    }
    let media = dir.join("media.mp4");
    let stamp = media.clone();
    let stamped =
        tokio::task::spawn_blocking(move || super::mp4::make_progressive(&stamp, decoded))
            .await
            .map_err(|e| io("preparing the progressive MP4")(std::io::Error::other(e)))?
            .map_err(io("preparing the progressive MP4"))?;
    if !stamped {
        tracing::warn!(rendition = %name, "no movie header found to stamp the duration into");
    }
    let enc = playlist::inspect(tools, &media).await?;
    Ok(Variant {
        uri: format!("{name}/index.m3u8"),
        bandwidth: pl.peak_bandwidth(),
        average_bandwidth: pl.average_bandwidth(),
        resolution: enc.width.zip(enc.height),
        codecs: enc.codecs,
        frame_rate: enc.frame_rate,
    })
}

async fn write_sprite_vtt(
    tools: &Tools,
    s: &SpritePlan,
    out: &Path,
) -> Result<String, FfmpegError> {
    let tiles = out.join(ladder::SPRITE_TILES);
    s.assemble(tools, &tiles, &out.join(SPRITE)).await?;
    let _ = tokio::fs::remove_dir_all(&tiles).await;
    if !tokio::fs::try_exists(out.join(SPRITE))
        .await
        .unwrap_or(false)
    {
        return Err(FfmpegError::Output {
            program: "ffmpeg",
            message: "the sprite sheet was not written".into(),
        });
    }
    write(out, SPRITE_VTT, s.vtt(SPRITE).as_bytes()).await?;
    Ok(SPRITE_VTT.into())
}

pub(crate) async fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), FfmpegError> {
    tokio::fs::write(dir.join(name), bytes)
        .await
        .map_err(io("writing an output"))
}

pub(crate) fn io(what: &'static str) -> impl Fn(std::io::Error) -> FfmpegError {
    move |source| FfmpegError::Io {
        program: what,
        source,
    }
}

/// Every file under `out` (but the manifest), sorted, with sizes and content types.
pub fn list_files(out: &Path, audio_only: bool) -> std::io::Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = vec![out.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let ft = e.file_type()?;
            if ft.is_dir() {
                dirs.push(e.path());
            } else if ft.is_file() {
                let rel = e
                    .path()
                    .strip_prefix(out)
                    .expect("under out")
                    .to_string_lossy()
                    .replace('\\', "/");
                // Dotfiles (the job dir's owner mark) are not outputs.
                if rel == MANIFEST || rel.split('/').any(|seg| seg.starts_with('.')) {
                    continue;
                }
                files.push(OutputFile {
                    content_type: content_type(&rel, audio_only).into(),
                    size: e.metadata()?.len(),
                    path: rel,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

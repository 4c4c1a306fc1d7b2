//! Re-rendering only a preview's audio with another track mapping: each rung's published
//! video is copied as it is, the master's tracks are mapped, encoded and segmented again in
//! one ffmpeg run, and the waveform follows the new mix.

use super::MediaInput;
use super::audio::AudioMapping;
use super::ffmpeg::{BadInput, FfmpegError, Tools};
use super::ladder::{self, AUDIO_KBPS, WAVE_RATE};
use super::pipeline::{self, MASTER, Manifest, Settings, WAVEFORM, io, write};
use super::playlist;
use super::probe::TechnicalMetadata;
use super::waveform;
use std::ffi::OsString;
use std::path::Path;

/// Renders the rungs of `manifest` again into `out` with `mapping`'s audio, the video taken
/// from `old/<rung>/media.mp4`. Returns the manifest of the new set and the paths that
/// changed (the rungs' files, the waveform and the master playlist).
#[allow(clippy::too_many_arguments)] // each is a distinct input of the one run
pub async fn render_audio(
    tools: &Tools,
    settings: &Settings,
    meta: &TechnicalMetadata,
    input: &MediaInput,
    manifest: &Manifest,
    mapping: AudioMapping,
    old: &Path,
    out: &Path,
) -> Result<(Manifest, Vec<String>), FfmpegError> {
    mapping
        .check(&meta.audio)
        .map_err(|e| FfmpegError::bad_input(BadInput::NoStreams, e))?;
    let settings = Settings {
        audio_mapping: Some(mapping),
        ..settings.clone()
    };
    let plan = settings.plan(meta);
    let names = plan.variant_names();
    let video = !plan.rungs.is_empty();
    let mut a: Vec<OsString> = Vec::new();
    if video {
        for name in &names {
            a.extend(MediaInput::Path(old.join(name).join("media.mp4")).input_args());
        }
    }
    a.extend(input.input_args());
    let master = if video { names.len() } else { 0 };
    let outs = names.len();
    let labels: String = (0..outs).map(|i| format!("[a{i}]")).collect();
    let graph = [
        mapping.graph(master, "amap"),
        "[amap]asplit=2[atop][aw]".into(),
        format!("[aw]aformat=sample_fmts=s16:channel_layouts=mono,aresample={WAVE_RATE}[wave]"),
        format!(
            "[atop]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asplit={outs}{labels}"
        ),
    ];
    a.extend(["-filter_complex".into(), graph.join(";").into()]);
    let mut streams = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut parts = Vec::new();
        if video {
            a.extend(["-map".into(), format!("{i}:v:0").into()]);
            parts.push(format!("v:{i}"));
        }
        a.extend(["-map".into(), format!("[a{i}]").into()]);
        parts.push(format!("a:{i}"));
        parts.push(format!("name:{name}"));
        streams.push(parts.join(","));
    }
    if video {
        a.extend(["-c:v", "copy"].map(OsString::from));
    }
    a.extend(["-c:a", "aac", "-b:a", &format!("{AUDIO_KBPS}k"), "-ac", "2"].map(OsString::from));
    a.extend(ladder::hls_args(plan.segment_seconds, out, &streams));
    a.extend(["-map", "[wave]", "-c:a", "pcm_s16le", "-f", "s16le"].map(OsString::from));
    a.push(out.join("wave.raw").into());
    tools
        .ffmpeg()
        .args(a)
        .redact(input.secret())
        .run(|_| {})
        .await?;

    let variants = pipeline::check_renditions(tools, &plan, out).await?;
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
    write(out, MASTER, playlist::master(&variants).as_bytes()).await?;

    let changed = pipeline::list_files(out, !video).map_err(io("listing outputs"))?;
    let mut next = manifest.clone();
    next.files
        .retain(|f| !changed.iter().any(|c| c.path == f.path));
    next.files.extend(changed.iter().cloned());
    next.files.sort_by(|a, b| a.path.cmp(&b.path));
    for (r, v) in next.renditions.iter_mut().zip(&variants) {
        r.bandwidth = v.bandwidth;
        r.average_bandwidth = v.average_bandwidth;
        r.codecs = v.codecs.clone();
    }
    next.waveform = Some(WAVEFORM.into());
    next.audio_mapping = Some(mapping);
    Ok((next, changed.into_iter().map(|f| f.path).collect()))
}

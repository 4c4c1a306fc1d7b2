//! Studio masters made tiny by ffmpeg: HDR (PQ, HLG) tone-mapped to SDR BT.709, ProRes with
//! eight mono tracks and a start timecode, DNxHR HQX in MXF, a 10-bit H.264 gradient, and
//! 1080i25 interlaced.

use super::clips::{ffmpeg, ffprobe_json};
use super::{render, render_with, settings};
use mm::media::audio::AudioMapping;
use mm::media::color::Transfer;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A 128x72 HEVC 10-bit master, left half at HDR mid-grey (18% grey, 38% signal for PQ and
/// HLG alike in BT.2408), right half at HDR reference white (203 cd/m²: PQ 58%, HLG 75%).
pub fn hdr_master(dir: &Path, transfer: &str, white: f64) -> PathBuf {
    let path = dir.join(format!("{transfer}.mp4"));
    let geq = format!("lum='if(lt(X,W/2),64+0.38*876,64+{white}*876)':cb=512:cr=512");
    ffmpeg(&[
        "-y".into(),
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!("color=c=black:s=128x72:r=25:d=1,format=yuv420p10le,geq={geq}"),
        "-c:v".into(),
        "libx265".into(),
        "-preset".into(),
        "ultrafast".into(),
        "-x265-params".into(),
        format!("log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc"),
        "-pix_fmt".into(),
        "yuv420p10le".into(),
        "-color_primaries".into(),
        "bt2020".into(),
        "-color_trc".into(),
        transfer.into(),
        "-colorspace".into(),
        "bt2020nc".into(),
        path.to_str().unwrap().into(),
    ]);
    path
}

/// Mean luma (8-bit code) of a 32x32 patch at `x` of the first frame of `file`.
fn patch_luma(file: &Path, x: u32) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(file)
        .args([
            "-vf",
            &format!("crop=32:32:{x}:20,signalstats,metadata=print:key=lavfi.signalstats.YAVG"),
            "-frames:v",
            "1",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    text.split("lavfi.signalstats.YAVG=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no YAVG for {}: {text}", file.display()))
}

fn stream(file: &Path, select: &str, entries: &str) -> serde_json::Value {
    ffprobe_json(&[
        "-select_streams",
        select,
        "-show_entries",
        entries,
        file.to_str().unwrap(),
    ])["streams"][0]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn pq_and_hlg_masters_are_tone_mapped_to_sdr_bt709() {
    let dir = tempfile::tempdir().unwrap();
    for (transfer, white, kind) in [
        ("smpte2084", 0.58, Transfer::Pq),
        ("arib-std-b67", 0.75, Transfer::Hlg),
    ] {
        let master = hdr_master(dir.path(), transfer, white);
        let (meta, manifest, out) = render(&master).await;
        assert_eq!(
            meta.video.as_ref().unwrap().color_transfer.as_deref(),
            Some(transfer)
        );
        let color = manifest.color.as_ref().expect("colour recorded");
        assert_eq!(color.source, kind);
        assert_eq!(color.tonemap.as_deref(), Some("mobius"));
        assert_eq!(color.output, "bt709");
        for r in &manifest.renditions {
            let media = out.path().join(&r.mp4);
            let s = stream(
                &media,
                "v:0",
                "stream=pix_fmt,color_primaries,color_transfer,color_space",
            );
            assert_eq!(s["pix_fmt"], "yuv420p", "{transfer} {s}");
            assert_eq!(s["color_primaries"], "bt709", "{transfer} {s}");
            assert_eq!(s["color_transfer"], "bt709", "{transfer} {s}");
            assert_eq!(s["color_space"], "bt709", "{transfer} {s}");
            // SDR 18% grey is code 106 (BT.709 OETF 0.41 in 16..235). Untouched, PQ and HLG
            // reference white would stay at 143 and 180: a mapped one is near SDR white.
            let grey = patch_luma(&media, 16);
            let ref_white = patch_luma(&media, 80);
            assert!((grey - 106.0).abs() < 16.0, "{transfer} mid-grey at {grey}");
            assert!(
                ref_white > 190.0,
                "{transfer} reference white at {ref_white}"
            );
        }
        let poster_grey = patch_luma(&out.path().join("poster.jpg"), 16);
        // The JPEG is full range: SDR mid-grey is about 0.41 * 255.
        assert!(
            (poster_grey - 105.0).abs() < 20.0,
            "{transfer} poster grey {poster_grey}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hdr_left_alone_when_tone_mapping_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let master = hdr_master(dir.path(), "smpte2084", 0.58);
    let mut s = settings();
    s.tonemap = mm::config::HdrTonemap::Off;
    let (_, manifest, out) = render_with(&master, &s).await;
    assert_eq!(
        manifest.color.as_ref().unwrap().tonemap.as_deref(),
        Some("off")
    );
    let media = out.path().join(&manifest.renditions[0].mp4);
    assert!(patch_luma(&media, 80) < 160.0);
}

/// Tone of track `i` (1-based) of the generated multitrack masters, in Hz.
pub fn tone(i: u32) -> f64 {
    200.0 * i as f64
}

/// A 64x36 ProRes 422 HQ master with `tracks` mono PCM tracks, track i a sine at `tone(i)`,
/// and a start timecode.
pub fn prores_master(dir: &Path, tracks: u32, timecode: &str) -> PathBuf {
    let path = dir.join(format!("prores{tracks}.mov"));
    let mut a: Vec<String> = ["-y", "-f", "lavfi", "-i", "testsrc2=s=64x36:r=25:d=1"]
        .map(String::from)
        .to_vec();
    for i in 1..=tracks {
        a.extend(["-f".into(), "lavfi".into(), "-i".into()]);
        a.push(format!(
            "sine=frequency={}:sample_rate=48000:duration=1",
            tone(i)
        ));
    }
    a.extend(["-map".into(), "0:v".into()]);
    for i in 1..=tracks {
        a.extend(["-map".into(), format!("{i}:a")]);
    }
    a.extend(
        [
            "-c:v",
            "prores_ks",
            "-profile:v",
            "3",
            "-pix_fmt",
            "yuv422p10le",
            "-c:a",
            "pcm_s24le",
            "-timecode",
            timecode,
        ]
        .map(String::from),
    );
    a.push(path.to_str().unwrap().into());
    ffmpeg(&a);
    path
}

/// The dominant frequency of the left and right channels of `file`'s audio, from zero
/// crossings over its middle half second.
pub fn channel_tones(file: &Path) -> (f64, f64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:a:0", "-ss", "0.25", "-t", "0.5", "-f", "s16le"])
        .args(["-c:a", "pcm_s16le", "-ar", "48000", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples: Vec<i16> = out
        .stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    let tone_of = |ch: usize| {
        let s: Vec<i16> = samples.iter().skip(ch).step_by(2).copied().collect();
        let crossings = s.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
        crossings as f64 / 2.0 / (s.len() as f64 / 48000.0)
    };
    (tone_of(0), tone_of(1))
}

pub fn near(hz: f64, want: f64) -> bool {
    (hz - want).abs() < want * 0.05
}

#[tokio::test(flavor = "multi_thread")]
async fn prores_with_eight_mono_tracks_previews_tracks_1_and_2_as_stereo() {
    let dir = tempfile::tempdir().unwrap();
    let master = prores_master(dir.path(), 8, "01:00:00:00");
    let (meta, manifest, out) = render(&master).await;
    assert_eq!(meta.audio.len(), 8);
    assert_eq!(meta.timecode.as_deref(), Some("01:00:00:00"));
    assert!(!meta.timecode_drop_frame);
    assert_eq!(
        meta.video.as_ref().unwrap().pix_fmt.as_deref(),
        Some("yuv422p10le")
    );
    assert_eq!(manifest.audio_mapping, Some(AudioMapping::Pair(1, 2)));
    let media = out.path().join(&manifest.renditions[0].mp4);
    let (l, r) = channel_tones(&media);
    assert!(
        near(l, tone(1)) && near(r, tone(2)),
        "left {l} Hz, right {r} Hz"
    );
    let s = stream(&media, "v:0", "stream=pix_fmt");
    assert_eq!(s["pix_fmt"], "yuv420p");

    // Another mapping finds the other tracks.
    let mut settings = settings();
    settings.audio_mapping = Some(AudioMapping::Pair(5, 3));
    let (_, manifest, out) = render_with(&master, &settings).await;
    assert_eq!(manifest.audio_mapping, Some(AudioMapping::Pair(5, 3)));
    let (l, r) = channel_tones(&out.path().join(&manifest.renditions[0].mp4));
    assert!(
        near(l, tone(5)) && near(r, tone(3)),
        "left {l} Hz, right {r} Hz"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn six_mono_tracks_fold_down_as_5_1_and_drop_frame_timecode_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("six.mov");
    let mut a: Vec<String> = [
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=s=64x36:r=30000/1001:d=1",
    ]
    .map(String::from)
    .to_vec();
    for i in 1..=6 {
        a.extend(["-f".into(), "lavfi".into(), "-i".into()]);
        a.push(format!(
            "sine=frequency={}:sample_rate=48000:duration=1",
            tone(i)
        ));
    }
    a.extend(["-map".into(), "0:v".into()]);
    for i in 1..=6 {
        a.extend(["-map".into(), format!("{i}:a")]);
    }
    a.extend(
        [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "pcm_s16le",
            "-timecode",
            "00:59:59;28",
        ]
        .map(String::from),
    );
    a.push(path.to_str().unwrap().into());
    ffmpeg(&a);
    let (meta, manifest, out) = render(&path).await;
    assert_eq!(meta.timecode.as_deref(), Some("00:59:59;28"));
    assert!(meta.timecode_drop_frame);
    assert_eq!(manifest.audio_mapping, Some(AudioMapping::Surround(1)));
    // Left carries L (track 1), C and Ls; right carries R (track 2), C and Rs: not a copy.
    let (l, r) = channel_tones(&out.path().join(&manifest.renditions[0].mp4));
    assert!((l - r).abs() > 20.0, "left {l} Hz, right {r} Hz");
}

#[tokio::test(flavor = "multi_thread")]
async fn dnxhr_hqx_mxf_with_timecode_becomes_8_bit_420() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dnxhr.mxf");
    ffmpeg(
        &[
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=256x144:r=25:d=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000:duration=1",
            "-c:v",
            "dnxhd",
            "-profile:v",
            "dnxhr_hqx",
            "-pix_fmt",
            "yuv422p10le",
            "-c:a",
            "pcm_s24le",
            "-timecode",
            "10:00:00:00",
            path.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let (meta, manifest, out) = render(&path).await;
    assert_eq!(meta.container, "mxf");
    assert_eq!(meta.timecode.as_deref(), Some("10:00:00:00"));
    assert_eq!(meta.video.as_ref().unwrap().bit_depth, Some(10));
    assert!(manifest.color.as_ref().unwrap().dithered);
    let s = stream(
        &out.path().join(&manifest.renditions[0].mp4),
        "v:0",
        "stream=pix_fmt,width",
    );
    assert_eq!(s["pix_fmt"], "yuv420p");
    assert_eq!(s["width"], 256);
    assert_eq!(meta.audio.len(), 1);
}

/// Distinct luma values along the middle row of the first frame of `file`, and the row.
fn row_levels(file: &Path, width: u32, height: u32) -> usize {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(file)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    let row = (height / 2) as usize * width as usize;
    let mut seen = std::collections::BTreeSet::<u8>::new();
    seen.extend(&out.stdout[row..row + width as usize]);
    seen.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_10_bit_h264_gradient_keeps_its_levels_in_the_8_bit_rung() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ramp10.mp4");
    // Every 10-bit step from black to white across 880 columns.
    ffmpeg(
        &[
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=880x64:r=25:d=1,format=yuv420p10le,geq=lum='64+X':cb=512:cr=512",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-qp",
            "0",
            "-pix_fmt",
            "yuv420p10le",
            path.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let (meta, manifest, out) = render(&path).await;
    assert_eq!(meta.video.as_ref().unwrap().bit_depth, Some(10));
    let media = out.path().join(&manifest.renditions[0].mp4);
    assert_eq!(
        stream(&media, "v:0", "stream=pix_fmt")["pix_fmt"],
        "yuv420p"
    );
    // 16..=235 is 220 levels; a banded or range-squeezed rung has far fewer.
    let levels = row_levels(&media, 880, 64);
    assert!(levels >= 200, "{levels} distinct levels on the ramp");
}

#[tokio::test(flavor = "multi_thread")]
async fn interlaced_1080i25_master_is_deinterlaced_at_full_rate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i25.mxf");
    // 1080i25 is a field structure, not a size: kept small, coded as interlaced MPEG-2.
    ffmpeg(
        &[
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=192x108:r=25:d=1",
            "-vf",
            "setfield=tff",
            "-c:v",
            "mpeg2video",
            "-flags",
            "+ilme+ildct",
            "-top",
            "1",
            "-b:v",
            "2M",
            path.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let (meta, manifest, out) = render(&path).await;
    assert!(meta.video.as_ref().unwrap().interlaced, "{meta:?}");
    let media = out.path().join(&manifest.renditions[0].mp4);
    let s = stream(&media, "v:0", "stream=field_order,avg_frame_rate");
    assert_ne!(s["field_order"], "tt", "{s}");
    assert_eq!(s["avg_frame_rate"], "25/1", "{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_mapping_re_renders_only_the_audio_and_the_waveform() {
    let dir = tempfile::tempdir().unwrap();
    let master = prores_master(dir.path(), 4, "01:00:00:00");
    let (meta, manifest, old) = render(&master).await;
    let out = tempfile::tempdir().unwrap();
    let input = mm::media::MediaInput::Path(master.clone());
    let (next, changed) = mm::media::remix::render_audio(
        &super::tools(),
        &settings(),
        &meta,
        &input,
        &manifest,
        AudioMapping::Track(4),
        old.path(),
        out.path(),
    )
    .await
    .expect("audio re-render");
    assert_eq!(next.audio_mapping, Some(AudioMapping::Track(4)));
    assert!(
        changed.contains(&"waveform.json".to_string()),
        "{changed:?}"
    );
    assert!(!changed.contains(&"poster.jpg".to_string()), "{changed:?}");
    let media = out.path().join(&next.renditions[0].mp4);
    let (l, r) = channel_tones(&media);
    assert!(
        near(l, tone(4)) && near(r, tone(4)),
        "left {l} Hz, right {r} Hz"
    );
    // The video is the published one, packet for packet.
    let frames = |f: &Path| {
        ffprobe_json(&[
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=size",
            f.to_str().unwrap(),
        ])["packets"]
            .clone()
    };
    assert_eq!(
        frames(&media),
        frames(&old.path().join(&manifest.renditions[0].mp4))
    );
    super::clips::decodes(&out.path().join("index.m3u8"));
}

//! Studio masters made tiny by ffmpeg: HDR (PQ, HLG) tone-mapped to SDR BT.709, ProRes with
//! eight mono tracks and a start timecode, DNxHR HQX in MXF, a 10-bit H.264 gradient, and
//! 1080i25 interlaced.

use super::clips::{ffmpeg, ffprobe_json};
use super::{render, render_with, settings};
use mm::media::color::Transfer;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A 128x72 HEVC 10-bit master, left half at HDR mid-grey (18% grey, 38% signal for PQ and
/// HLG alike in BT.2408), right half at HDR reference white (203 cd/m²: PQ 58%, HLG 75%).
fn hdr_master(dir: &Path, transfer: &str, white: f64) -> PathBuf {
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

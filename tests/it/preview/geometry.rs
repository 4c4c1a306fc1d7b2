//! Rotation, anamorphic pixels and odd sizes on studio and phone masters, which also take the
//! 10-bit and HDR conversion: every rung has square pixels at the displayed shape, 8-bit
//! 4:2:0, and the poster and sprite tiles follow.

use super::clips::{dimensions, ffmpeg, ffprobe_json};
use super::render;
use std::path::{Path, PathBuf};

fn rung_stream(file: &Path) -> serde_json::Value {
    ffprobe_json(&[
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height,sample_aspect_ratio,pix_fmt,color_transfer:stream_side_data",
        file.to_str().unwrap(),
    ])["streams"][0]
        .clone()
}

fn make(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    a.insert(0, "-y".into());
    a.push(path.to_str().unwrap().into());
    ffmpeg(&a);
    path
}

/// A PAL 16:9 broadcast master: 720x576 stored, 64:45 pixels, 10-bit 4:2:2 H.264.
#[tokio::test(flavor = "multi_thread")]
async fn an_anamorphic_10_bit_422_master_previews_at_its_display_shape() {
    let dir = tempfile::tempdir().unwrap();
    let master = make(
        dir.path(),
        "pal169.mov",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=720x576:r=25:d=1,setsar=64/45",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv422p10le",
        ],
    );
    let (meta, manifest, out) = render(&master).await;
    let v = meta.video.as_ref().unwrap();
    assert_eq!((v.width, v.height), (720, 576));
    assert_eq!((v.display_width, v.display_height), (1024, 576));
    let sizes: Vec<(u32, u32)> = manifest
        .renditions
        .iter()
        .map(|r| dimensions(&out.path().join(&r.mp4)))
        .collect();
    assert_eq!(sizes, [(640, 360), (960, 540)]);
    for r in &manifest.renditions {
        let s = rung_stream(&out.path().join(&r.mp4));
        assert_eq!(s["pix_fmt"], "yuv420p", "{s}");
        assert!(
            s["sample_aspect_ratio"].is_null() || s["sample_aspect_ratio"] == "1:1",
            "{s}"
        );
    }
    assert!(manifest.color.as_ref().is_some_and(|c| c.dithered));
    assert_eq!(dimensions(&out.path().join("poster.jpg")), (960, 540));
}

/// A phone's HLG clip, held upright: HEVC 10-bit stored 320x180 with a 90° display matrix.
#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_hlg_phone_clip_is_upright_and_tone_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let coded = make(
        dir.path(),
        "phone-coded.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=30:d=1,format=yuv420p10le",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc",
            "-pix_fmt",
            "yuv420p10le",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "arib-std-b67",
            "-colorspace",
            "bt2020nc",
        ],
    );
    let master = make(
        dir.path(),
        "phone.mp4",
        &[
            "-i",
            coded.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
    );
    let (meta, manifest, out) = render(&master).await;
    let v = meta.video.as_ref().unwrap();
    assert_eq!(v.rotation % 180, 90);
    assert_eq!((v.display_width, v.display_height), (180, 320));
    assert_eq!(manifest.renditions.len(), 1);
    let rung = out.path().join(&manifest.renditions[0].mp4);
    let s = rung_stream(&rung);
    assert_eq!(
        (s["width"].as_u64(), s["height"].as_u64()),
        (Some(180), Some(320)),
        "{s}"
    );
    assert_eq!(s["pix_fmt"], "yuv420p", "{s}");
    assert_eq!(s["color_transfer"], "bt709", "{s}");
    // Turned in the picture itself: no display matrix is left to turn it twice.
    assert!(s["side_data_list"].is_null(), "{s}");
    assert_eq!(
        manifest.color.as_ref().unwrap().tonemap.as_deref(),
        Some("mobius")
    );
    assert_eq!(dimensions(&out.path().join("poster.jpg")), (180, 320));
}

/// An odd-sized 10-bit 4:4:4 master (a screen capture): even rungs, 8-bit 4:2:0.
#[tokio::test(flavor = "multi_thread")]
async fn an_odd_sized_10_bit_444_master_gets_even_8_bit_rungs() {
    let dir = tempfile::tempdir().unwrap();
    let master = make(
        dir.path(),
        "odd.mov",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=321x241:r=25:d=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p10le",
        ],
    );
    let (_, manifest, out) = render(&master).await;
    let rung = out.path().join(&manifest.renditions[0].mp4);
    assert_eq!(dimensions(&rung), (320, 240));
    assert_eq!(rung_stream(&rung)["pix_fmt"], "yuv420p");
}

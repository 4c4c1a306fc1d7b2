//! The tone-mapping LUT against the float chain it samples: on an HDR10 master of everyday
//! colours (skin, sky, foliage, grey), the LUT's picture keeps each patch's brightness and
//! hue within a code or two of ffmpeg's own `tonemap` pass.

use super::clips::ffmpeg;
use super::tools;
use mm::config::HdrTonemap;
use mm::media::color::ColorPlan;
use mm::media::{MediaInput, probe, tonemap_lut};
use std::path::Path;
use std::process::Command;

const PATCHES: [&str; 4] = ["0x996644", "0x4477aa", "0x669944", "0x808080"];
const W: u32 = 128;
const H: u32 = 32;

/// A 128x32 HEVC 10-bit PQ master: the patches side by side, SDR BT.709 colours carried into
/// PQ BT.2020 with reference white at 203 cd/m².
fn master(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("patches.mp4");
    let mut a: Vec<String> = vec!["-y".into()];
    for c in PATCHES {
        a.extend(["-f", "lavfi", "-i"].map(String::from));
        a.push(format!("color=c={c}:s=32x32:r=25:d=0.2"));
    }
    a.extend([
        "-filter_complex".into(),
        "hstack=inputs=4,zscale=tin=bt709:pin=bt709:min=bt709:rin=tv:t=linear:npl=203:p=bt709,\
         format=gbrpf32le,zscale=tin=linear:pin=bt709:t=smpte2084:npl=203:p=bt2020:m=bt2020nc:\
         r=tv,format=yuv420p10le"
            .into(),
    ]);
    a.extend(
        [
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error:lossless=1:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
            "-color_primaries",
            "bt2020",
            "-color_trc",
            "smpte2084",
            "-colorspace",
            "bt2020nc",
        ]
        .map(String::from),
    );
    a.push(path.to_str().unwrap().into());
    ffmpeg(&a);
    path
}

/// Mean (Y, U, V) of the middle 16x16 of each patch after `chain`, from the first frame.
fn patch_means(master: &Path, chain: &str) -> Vec<[f64; 3]> {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(master)
        .args(["-vf", chain.trim_end_matches(',')])
        .args([
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let px = out.stdout;
    let (w, h) = (W as usize, H as usize);
    let (y, u, v) = (
        &px[..w * h],
        &px[w * h..w * h * 5 / 4],
        &px[w * h * 5 / 4..],
    );
    (0..PATCHES.len())
        .map(|p| {
            let mean = |plane: &[u8], stride: usize, scale: usize| {
                let (x0, y0, n) = ((p * 32 + 8) / scale, 8 / scale, 16 / scale);
                let sum: u32 = (y0..y0 + n)
                    .flat_map(|r| (x0..x0 + n).map(move |c| plane[r * stride + c] as u32))
                    .sum();
                sum as f64 / (n * n) as f64
            };
            [mean(y, w, 1), mean(u, w / 2, 2), mean(v, w / 2, 2)]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lut_keeps_the_float_chains_brightness_and_hue() {
    let dir = tempfile::tempdir().unwrap();
    let master = master(dir.path());
    let meta = probe::probe(&tools(), &MediaInput::Path(master.clone()))
        .await
        .expect("probe");
    let float = ColorPlan::new(meta.video.as_ref().unwrap(), HdrTonemap::Mobius);
    let mut lut = float.clone();
    let luts = dir.path().join("luts");
    tonemap_lut::prepare(&tools(), &mut lut, &luts)
        .await
        .expect("LUT made");
    let made: Vec<_> = std::fs::read_dir(&luts).unwrap().collect();
    assert_eq!(made.len(), 1, "one .cube for the master's kind: {made:?}");
    let (slow, fast) = (float.chain((W, H)), lut.chain((W, H)));
    assert!(
        slow.contains("tonemap=") && !fast.contains("tonemap="),
        "{fast}"
    );
    assert!(fast.contains("lut3d=file="), "{fast}");

    let (want, got) = (patch_means(&master, &slow), patch_means(&master, &fast));
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        let hue = |c: &[f64; 3]| (c[2] - 128.0).atan2(c[1] - 128.0).to_degrees();
        let what = format!("{}: float {w:?}, LUT {g:?}", PATCHES[i]);
        assert!((w[0] - g[0]).abs() <= 2.0, "brightness of {what}");
        assert!(
            (w[1] - g[1]).abs() <= 2.0 && (w[2] - g[2]).abs() <= 2.0,
            "colour of {what}"
        );
        // Grey has no hue to keep.
        if (w[1] - 128.0).hypot(w[2] - 128.0) > 4.0 {
            assert!((hue(w) - hue(g)).abs() <= 3.0, "hue of {what}");
        }
    }
}

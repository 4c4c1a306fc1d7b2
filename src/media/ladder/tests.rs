//! The ladder plan's sizes and rates.

use super::*;

#[test]
fn no_rung_is_above_the_source_and_small_sources_keep_their_size() {
    let names = |w, h| -> Vec<(u32, u32)> {
        rungs(&[360, 540, 720, 1080], w, h, 30.0)
            .iter()
            .map(|r| (r.width, r.height))
            .collect()
    };
    assert_eq!(
        names(1920, 1080),
        [(640, 360), (960, 540), (1280, 720), (1920, 1080)]
    );
    assert_eq!(names(640, 360), [(640, 360)]);
    assert_eq!(names(320, 240), [(320, 240)]);
    assert_eq!(names(321, 241), [(320, 240)]);
    // Portrait: the short side names the rung, the long side follows the aspect.
    assert_eq!(names(360, 640), [(360, 640)]);
    assert_eq!(
        names(1080, 1920),
        [(360, 640), (540, 960), (720, 1280), (1080, 1920)]
    );
    // Anamorphic PAL shown at 1024x576.
    assert_eq!(names(1024, 576), [(640, 360), (960, 540)]);
}

#[test]
fn bitrates_follow_the_rung_in_kbits() {
    let r = rungs(&[360, 540, 720, 1080], 1920, 1080, 30.0);
    let k: Vec<u32> = r.iter().map(|r| r.video_kbps).collect();
    assert_eq!(k, [800, 1400, 2800, 5000]);
    assert_eq!((r[3].maxrate_kbps, r[3].bufsize_kbps), (7500, 10000));
    assert_eq!(video_kbps(1920, 1080, 60.0), 7500);
    assert!(video_kbps(320, 240, 25.0) < 800);
}

#[test]
fn frame_rates_snap_and_high_ones_halve() {
    assert_eq!(output_fps(29.97), (30000, 1001));
    assert_eq!(output_fps(25.0), (25, 1));
    assert_eq!(output_fps(120.0), (60, 1));
    assert_eq!(output_fps(29.871), (30000, 1001));
    assert_eq!(output_fps(12.5), (12500, 1000));
    assert_eq!(output_fps(f64::NAN), (25, 1));
}

//! Free disk space where encodes are made, checked against what an encode will write.

use crate::media::ladder::{AUDIO_KBPS, Plan, WAVE_RATE};
use std::path::Path;

/// Room kept free beyond the estimate, for ffmpeg's temporary files and the images.
const MARGIN: u64 = 256 << 20;

/// Bytes the outputs of `plan` take: every rung at its peak rate, audio, waveform samples,
/// and the margin.
pub fn estimate(plan: &Plan) -> u64 {
    let secs = plan.duration.max(1.0);
    let audio = if plan.audio { AUDIO_KBPS as f64 } else { 0.0 };
    let rungs: f64 = if plan.rungs.is_empty() {
        audio
    } else {
        plan.rungs
            .iter()
            .map(|r| r.maxrate_kbps as f64 + audio)
            .sum()
    };
    let wave = if plan.waveform {
        2.0 * WAVE_RATE as f64
    } else {
        0.0
    };
    (rungs * 1000.0 / 8.0 * secs + wave * secs) as u64 + MARGIN
}

/// Bytes an unprivileged process may still write on the filesystem holding `dir`.
pub fn available(dir: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(dir)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Refuses to start an encode that would fill the disk: the job goes back to the queue and
/// a worker with room (or this one later) takes it.
pub fn check(dir: &Path, plan: &Plan) -> anyhow::Result<()> {
    let need = estimate(plan);
    let free = available(dir)
        .map_err(|e| anyhow::anyhow!("cannot read free space of {}: {e}", dir.display()))?;
    anyhow::ensure!(
        free >= need,
        "not enough disk space in {}: {} MiB free, about {} MiB needed",
        dir.display(),
        free >> 20,
        need >> 20
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::ladder::rungs;

    #[test]
    fn the_estimate_grows_with_the_ladder_and_the_duration() {
        let plan = |secs: f64, r| Plan {
            rungs: r,
            audio: true,
            fps: Some((30, 1)),
            gop: 120,
            segment_seconds: 4,
            sprite: None,
            waveform: true,
            duration: secs,
            deinterlace: false,
            color: None,
            audio_mapping: None,
            layout: Default::default(),
            read_rate: None,
        };
        let small = estimate(&plan(60.0, rungs(&[360], 1920, 1080, 30.0)));
        let full = estimate(&plan(60.0, rungs(&[360, 540, 720, 1080], 1920, 1080, 30.0)));
        let long = estimate(&plan(
            3600.0,
            rungs(&[360, 540, 720, 1080], 1920, 1080, 30.0),
        ));
        assert!(small < full && full < long);
        // An hour of the default ladder at peak rates: about 6.6 GB plus the margin.
        assert!(
            (6_000 << 20..8_000 << 20).contains(&(long - MARGIN)),
            "{long}"
        );
        assert!(available(Path::new("/")).unwrap() > 0);
    }
}

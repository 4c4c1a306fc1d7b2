//! The waveform: peak amplitude per time bucket, computed from the mono s16 samples the
//! ladder pass writes, as a small JSON file the player draws.

use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::io::AsyncReadExt;

/// At most this many buckets; at least this many per second for short clips.
pub const MAX_BUCKETS: usize = 2000;
const BUCKETS_PER_SECOND: f64 = 20.0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Waveform {
    /// Seconds of audio the peaks cover.
    pub duration: f64,
    /// Number of buckets (the length of `peaks`).
    pub buckets: usize,
    /// Seconds per bucket.
    pub bucket_seconds: f64,
    /// Peak absolute amplitude per bucket, 0 to 1, three decimals.
    pub peaks: Vec<f32>,
}

/// How many buckets a clip of `duration` seconds gets.
pub fn bucket_count(duration: f64) -> usize {
    ((duration * BUCKETS_PER_SECOND).ceil() as usize).clamp(1, MAX_BUCKETS)
}

/// Reads raw mono s16le samples at `rate` Hz from `raw` (streamed, never whole in memory)
/// and returns the peak of each bucket.
pub async fn from_raw(raw: &Path, rate: u32) -> std::io::Result<Waveform> {
    let len = tokio::fs::metadata(raw).await?.len();
    let samples = (len / 2).max(1);
    let duration = samples as f64 / rate as f64;
    let buckets = bucket_count(duration);
    let mut peaks = vec![0i32; buckets];
    let mut file = tokio::io::BufReader::new(tokio::fs::File::open(raw).await?);
    let mut buf = vec![0u8; 64 * 1024];
    let mut index: u64 = 0;
    let mut carry: Option<u8> = None;
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if let Some(lo) = carry.take() {
            let s = i16::from_le_bytes([lo, chunk[0]]);
            record(&mut peaks, index, samples, s);
            index += 1;
            chunk = &chunk[1..];
        }
        let mut pairs = chunk.chunks_exact(2);
        for p in &mut pairs {
            record(&mut peaks, index, samples, i16::from_le_bytes([p[0], p[1]]));
            index += 1;
        }
        carry = pairs.remainder().first().copied();
    }
    Ok(Waveform {
        duration,
        buckets,
        bucket_seconds: duration / buckets as f64,
        peaks: peaks
            .into_iter()
            .map(|p| ((p as f32 / 32768.0) * 1000.0).round() / 1000.0)
            .collect(),
    })
}

fn record(peaks: &mut [i32], index: u64, samples: u64, s: i16) {
    let b = ((index as u128 * peaks.len() as u128) / samples as u128) as usize;
    let slot = &mut peaks[b.min(peaks.len() - 1)];
    *slot = (*slot).max((s as i32).abs());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn peaks_follow_the_loudness_of_each_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("w.raw");
        // One second at 8 kHz: silent first half, a half-scale square wave in the second.
        let mut bytes = Vec::new();
        for i in 0..8000 {
            let s: i16 = if i < 4000 {
                0
            } else if i % 2 == 0 {
                16384
            } else {
                -16384
            };
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        std::fs::write(&raw, bytes).unwrap();
        let w = from_raw(&raw, 8000).await.unwrap();
        assert_eq!(w.buckets, 20);
        assert_eq!(w.peaks.len(), 20);
        assert!((w.duration - 1.0).abs() < 1e-9);
        assert!(w.peaks[..10].iter().all(|p| *p == 0.0));
        assert!(w.peaks[10..].iter().all(|p| *p == 0.5), "{:?}", w.peaks);
    }

    #[test]
    fn long_clips_are_capped() {
        assert_eq!(bucket_count(7200.0), MAX_BUCKETS);
        assert_eq!(bucket_count(0.01), 1);
    }
}

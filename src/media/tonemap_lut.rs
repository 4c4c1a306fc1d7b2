//! The HDR tone mapping sampled once into a 3D LUT (`.cube`) per transfer, primaries and
//! operator: ffmpeg's own `tonemap` chain (`ColorPlan::lut_source`) runs on a grid of every
//! LUT point, so a job applies `lut3d` (one interpolation per pixel) instead of the float
//! `tonemap` pass, a large part of an HDR job's extra time.

use super::color::ColorPlan;
use super::ffmpeg::{FfmpegError, Tools};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Points per axis. With linear light out, 65 keeps the LUT within 1/255 of the float chain
/// on nearly every pixel of a test pattern (33 misses on about one in six).
pub const GRID: usize = 65;
/// Kept as the LUT's output range: wide enough for out-of-gamut values to interpolate as they
/// are; the 16-bit output clips them to 0..1 per channel afterwards.
const OUTPUT_BOUND: f32 = 2.0;

/// Points `plan` at the LUT for its master, made in `dir` unless already there. Leaves the
/// float chain in place when nothing is tone-mapped, the probe left the transfer or the
/// primaries unknown, or `dir`'s path cannot be written into a filter graph as is.
pub async fn prepare(tools: &Tools, plan: &mut ColorPlan, dir: &Path) -> Result<(), FfmpegError> {
    let Some(source) = plan.lut_source() else {
        return Ok(());
    };
    let name = file_name(&source);
    let path = dir.join(&name);
    if !filter_safe(&path) {
        tracing::warn!(dir = %dir.display(), "LUT dir unusable in a filter graph; tone mapping in float");
        return Ok(());
    }
    if !path.is_file() {
        make(tools, &source, dir, &path).await?;
    }
    plan.use_lut(&path);
    Ok(())
}

/// One name per sampled chain: the filter string itself, kept readable and file-safe.
fn file_name(source: &str) -> String {
    let key: String = source
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "tonemap-{GRID}-{:016x}-{}.cube",
        fnv1a(source),
        &key[..key.len().min(80)]
    )
}

/// FNV-1a, stable across builds (the std hasher is not): the name must mean the same chain
/// to every worker sharing the dir.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether `path` can stand unescaped as a filter option value.
fn filter_safe(path: &Path) -> bool {
    path.to_str().is_some_and(|s| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '+'))
    })
}

/// Every grid point as full-range 16-bit planar RGB (`gbrp16le`: G, B then R planes), red
/// fastest, then green, then blue: the `.cube` order, one row per blue step.
fn grid() -> Vec<u8> {
    let n = GRID;
    let level = |i: usize| ((i * 65535 + (n - 1) / 2) / (n - 1)) as u16;
    let mut planes: Vec<Vec<u8>> = (0..3).map(|_| Vec::with_capacity(n * n * n * 2)).collect();
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                for (plane, v) in planes.iter_mut().zip([g, b, r]) {
                    plane.extend_from_slice(&level(v).to_le_bytes());
                }
            }
        }
    }
    planes.concat()
}

/// Runs `source` on the grid and writes the `.cube` to `path` (through a temp file, so a
/// reader never sees half a LUT).
async fn make(tools: &Tools, source: &str, dir: &Path, path: &Path) -> Result<(), FfmpegError> {
    let io = |what: &'static str| {
        move |e: std::io::Error| FfmpegError::Io {
            program: "ffmpeg",
            source: std::io::Error::new(e.kind(), format!("{what}: {e}")),
        }
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(io("making the LUT dir"))?;
    let work = tempfile::tempdir_in(dir).map_err(io("making the LUT temp dir"))?;
    let (input, output) = (work.path().join("grid.raw"), work.path().join("mapped.raw"));
    tokio::fs::write(&input, grid())
        .await
        .map_err(io("writing the LUT grid"))?;
    let size = format!("{}x{}", GRID * GRID, GRID);
    tools
        .ffmpeg()
        .args(["-protocol_whitelist", "file", "-f", "rawvideo"])
        .args(["-pix_fmt", "gbrp16le", "-s", &size, "-i"])
        .arg(&input)
        .args(["-vf", source, "-f", "rawvideo", "-pix_fmt", "gbrpf32le"])
        .arg(&output)
        .run(|_| {})
        .await?;
    let mapped = tokio::fs::read(&output)
        .await
        .map_err(io("reading the mapped grid"))?;
    let cube = cube(&mapped).ok_or_else(|| FfmpegError::Output {
        program: "ffmpeg",
        message: format!("the mapped LUT grid has {} bytes", mapped.len()),
    })?;
    let target: PathBuf = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut file = tempfile::NamedTempFile::new_in(work.path())?;
        file.write_all(cube.as_bytes())?;
        file.persist(&target).map_err(|e| e.error)?;
        Ok(())
    })
    .await
    .map_err(|e| io("writing the LUT")(std::io::Error::other(e)))?
    .map_err(io("writing the LUT"))
}

/// The `.cube` text from the mapped grid (`gbrpf32le`), or none if it is not one grid.
fn cube(mapped: &[u8]) -> Option<String> {
    let points = GRID * GRID * GRID;
    if mapped.len() != points * 3 * 4 {
        return None;
    }
    let value = |plane: usize, i: usize| {
        let at = (plane * points + i) * 4;
        let v = f32::from_le_bytes(mapped[at..at + 4].try_into().expect("4 bytes"));
        if v.is_finite() {
            v.clamp(-OUTPUT_BOUND, OUTPUT_BOUND)
        } else {
            0.0
        }
    };
    let mut out = String::with_capacity(points * 33 + 32);
    out.push_str(&format!("LUT_3D_SIZE {GRID}\n"));
    for i in 0..points {
        // Planes are G, B, R; a .cube line is R G B.
        let (r, g, b) = (value(2, i), value(0, i), value(1, i));
        out.push_str(&format!("{r:.7} {g:.7} {b:.7}\n"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_walks_red_fastest_and_ends_at_white() {
        let g = grid();
        let plane = GRID * GRID * GRID * 2;
        assert_eq!(g.len(), plane * 3);
        let at = |p: usize, i: usize| {
            u16::from_le_bytes([g[p * plane + i * 2], g[p * plane + i * 2 + 1]])
        };
        // Point 1 is one red step: the R plane (third) moves, G and B stay black.
        assert_eq!((at(0, 1), at(1, 1), at(2, 1)), (0, 0, 1024));
        // Point GRID is one green step.
        assert_eq!((at(0, GRID), at(2, GRID)), (1024, 0));
        let last = GRID * GRID * GRID - 1;
        assert_eq!(
            (at(0, last), at(1, last), at(2, last)),
            (65535, 65535, 65535)
        );
    }

    #[test]
    fn names_follow_the_chain_and_unsafe_dirs_are_refused() {
        let a = file_name("zscale=tin=smpte2084:pin=bt2020:");
        assert_ne!(a, file_name("zscale=tin=arib-std-b67:pin=bt2020:"));
        assert!(a.ends_with(".cube") && filter_safe(Path::new(&a)));
        assert!(filter_safe(Path::new("/tmp/mm-work/luts")));
        assert!(!filter_safe(Path::new("/tmp/a:b")));
        assert!(!filter_safe(Path::new("/tmp/it's")));
        assert!(cube(&[0; 12]).is_none());
    }
}

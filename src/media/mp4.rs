//! Makes a rung's fragmented MP4 play well as a plain file too. ffmpeg writes the init segment
//! before it knows the length and puts a one-fragment `sidx` before every fragment, so a
//! browser playing the file progressively (without HLS) reports only the first fragment's
//! length. The real duration is stamped into the headers and each `sidx` becomes a `free` box
//! of the same size: no byte moves, so the playlists' byte ranges stay right, and HLS players
//! never needed the per-fragment index (the playlist is the index).

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How far into the file the movie header is looked for (the init segment is small).
const SEARCH: u64 = 1 << 20;

/// Writes `seconds` into the movie, track and media headers of the MP4 at `path` and turns its
/// top-level `sidx` boxes into `free` ones. Returns false when there is no movie header.
pub fn make_progressive(path: &Path, seconds: f64) -> io::Result<bool> {
    let file = OpenOptions::new().read(true).write(true).open(path)?;
    free_segment_indexes(&file)?;
    let mut head = Vec::new();
    (&file).take(SEARCH).read_to_end(&mut head)?;
    let Some((moov_start, moov_end)) = find_box(&head, 0, head.len(), b"moov") else {
        return Ok(false);
    };
    let Some((mvhd, _)) = find_box(&head, moov_start + 8, moov_end, b"mvhd") else {
        return Ok(false);
    };
    // mvhd: header(8) version(1) flags(3), then times and the timescale, 32 or 64 bits wide.
    let version = head[mvhd + 8];
    let (scale_at, duration_at, wide) = if version == 1 {
        (mvhd + 28, mvhd + 32, true)
    } else {
        (mvhd + 20, mvhd + 24, false)
    };
    let Some(scale) = head.get(scale_at..scale_at + 4) else {
        return Ok(false);
    };
    let timescale = u32::from_be_bytes(scale.try_into().expect("4 bytes")) as f64;
    let units = (seconds.max(0.0) * timescale).round() as u64;
    write_units(&file, duration_at as u64, units, wide)?;
    // Each track's header (movie timescale) and media header (its own timescale) too: the
    // demuxers of ffmpeg and browsers take a track's length from these, not from mvhd.
    let mut at = moov_start + 8;
    while let Some((trak, trak_end)) = find_box(&head, at, moov_end, b"trak") {
        if let Some((tkhd, _)) = find_box(&head, trak + 8, trak_end, b"tkhd") {
            let wide = head[tkhd + 8] == 1;
            write_units(
                &file,
                (tkhd + if wide { 36 } else { 28 }) as u64,
                units,
                wide,
            )?;
        }
        if let Some((mdia, mdia_end)) = find_box(&head, trak + 8, trak_end, b"mdia")
            && let Some((mdhd, _)) = find_box(&head, mdia + 8, mdia_end, b"mdhd")
        {
            let wide = head[mdhd + 8] == 1;
            let (scale_at, duration_at) = if wide {
                (mdhd + 28, mdhd + 32)
            } else {
                (mdhd + 20, mdhd + 24)
            };
            if let Some(scale) = head.get(scale_at..scale_at + 4) {
                let ts = u32::from_be_bytes(scale.try_into().expect("4 bytes")) as f64;
                let media_units = (seconds.max(0.0) * ts).round() as u64;
                write_units(&file, duration_at as u64, media_units, wide)?;
            }
        }
        at = trak_end;
    }
    if let Some((mvex, mvex_end)) = find_box(&head, moov_start + 8, moov_end, b"mvex")
        && let Some((mehd, _)) = find_box(&head, mvex + 8, mvex_end, b"mehd")
    {
        write_units(&file, mehd as u64 + 12, units, head[mehd + 8] == 1)?;
    }
    Ok(true)
}

/// Renames every top-level `sidx` to `free`, reading only box headers.
fn free_segment_indexes(file: &std::fs::File) -> io::Result<()> {
    let len = file.metadata()?.len();
    let mut at = 0u64;
    let mut header = [0u8; 16];
    while at + 8 <= len {
        file.read_exact_at(&mut header[..8], at)?;
        let size = match u32::from_be_bytes(header[..4].try_into().expect("4 bytes")) as u64 {
            1 => {
                file.read_exact_at(&mut header[8..16], at + 8)?;
                u64::from_be_bytes(header[8..16].try_into().expect("8 bytes"))
            }
            0 => len - at,
            s => s,
        };
        if size < 8 {
            break;
        }
        if &header[4..8] == b"sidx" {
            file.write_all_at(b"free", at + 4)?;
        }
        at += size;
    }
    Ok(())
}

fn write_units(file: &std::fs::File, at: u64, units: u64, wide: bool) -> io::Result<()> {
    if wide {
        file.write_all_at(&units.to_be_bytes(), at)
    } else {
        file.write_all_at(&(units.min(u32::MAX as u64) as u32).to_be_bytes(), at)
    }
}

/// The (start, end) of the first box of type `kind` among the boxes in `buf[from..to]`.
fn find_box(buf: &[u8], from: usize, to: usize, kind: &[u8; 4]) -> Option<(usize, usize)> {
    let mut at = from;
    while at + 8 <= to.min(buf.len()) {
        let size = u32::from_be_bytes(buf[at..at + 4].try_into().ok()?) as usize;
        let (size, _header) = match size {
            1 => (
                u64::from_be_bytes(buf.get(at + 8..at + 16)?.try_into().ok()?) as usize,
                16,
            ),
            0 => (to - at, 8),
            s => (s, 8),
        };
        if size < 8 {
            return None;
        }
        if &buf[at + 4..at + 8] == kind {
            return Some((at, (at + size).min(buf.len())));
        }
        at += size;
    }
    None
}

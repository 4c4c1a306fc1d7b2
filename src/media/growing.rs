//! The growing layout of the ladder (`HlsLayout::Growing`): each rung as an init file and one
//! file per segment under an HLS EVENT playlist that ffmpeg rewrites (atomically) as each
//! segment is finished, so segments can be published while the encode goes on; at the end
//! `finish` turns each playlist into a VOD one over the very same segment names (a player that
//! opened it early keeps playing) and joins the segments into `media.mp4` (the rung as one
//! file, as the single-file layout has it).

use super::ffmpeg::FfmpegError;
use super::pipeline::io;
use std::ffi::OsString;
use std::path::Path;

/// A rung's playlist, in its directory.
pub const PLAYLIST: &str = "index.m3u8";
/// How ffmpeg names a rung's segments (`seg00000.m4s`, ...).
const SEGMENT_PATTERN: &str = "seg%05d.m4s";

/// The HLS muxer options of the growing layout for the `var_stream_map` entries in `streams`.
pub fn hls_args(segment_seconds: u32, out: &Path, streams: &[String]) -> Vec<OsString> {
    let dir = out.display();
    [
        "-map_metadata".into(),
        "-1".into(),
        "-map_chapters".into(),
        "-1".into(),
        "-f".into(),
        "hls".into(),
        "-hls_time".into(),
        segment_seconds.to_string(),
        "-hls_playlist_type".into(),
        "event".into(),
        "-hls_segment_type".into(),
        "fmp4".into(),
        "-hls_fmp4_init_filename".into(),
        "init.mp4".into(),
        // A segment appears under its name only once complete.
        "-hls_flags".into(),
        "independent_segments+temp_file".into(),
        "-hls_segment_filename".into(),
        format!("{dir}/%v/{SEGMENT_PATTERN}"),
        "-var_stream_map".into(),
        streams.join(" "),
        format!("{dir}/%v/{PLAYLIST}"),
    ]
    .map(OsString::from)
    .to_vec()
}

/// What a growing playlist names: its init file and its finished segments, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listed {
    pub init: Option<String>,
    pub segments: Vec<String>,
    pub ended: bool,
}

/// Reads the names a playlist refers to. Only plain file names are taken: ffmpeg writes
/// nothing else, and nothing outside the rung's directory is ever read or published.
pub fn listed(text: &str) -> Listed {
    let plain =
        |u: &str| !u.is_empty() && !u.starts_with('.') && !u.contains(['/', '\\', ':', '?', '#']);
    let mut l = Listed::default();
    for line in text.lines().map(str::trim) {
        if let Some(attrs) = line.strip_prefix("#EXT-X-MAP:") {
            l.init = attrs
                .split(',')
                .find_map(|a| a.strip_prefix("URI="))
                .map(|u| u.trim_matches('"').to_string())
                .filter(|u| plain(u));
        } else if line == "#EXT-X-ENDLIST" {
            l.ended = true;
        } else if !line.starts_with('#') && plain(line) {
            l.segments.push(line.to_string());
        }
    }
    l
}

/// The finished playlist: the same segments, marked VOD.
pub fn as_vod(text: &str) -> String {
    text.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD")
}

/// After the encode: each rung's playlist becomes VOD (written aside and renamed, as ffmpeg
/// writes it, so a reader never sees half of it) and its init and segments are joined into
/// `media.mp4`.
pub async fn finish(names: &[String], out: &Path) -> Result<(), FfmpegError> {
    for name in names {
        let dir = out.join(name);
        let text = tokio::fs::read_to_string(dir.join(PLAYLIST))
            .await
            .map_err(io("reading a growing playlist"))?;
        let l = listed(&text);
        let (dir2, l2) = (dir.clone(), l.clone());
        tokio::task::spawn_blocking(move || join(&dir2, &l2))
            .await
            .map_err(|e| io("joining segments")(std::io::Error::other(e)))?
            .map_err(io("joining segments"))?;
        let tmp = dir.join(".index.m3u8.vod");
        tokio::fs::write(&tmp, as_vod(&text))
            .await
            .map_err(io("writing a playlist"))?;
        tokio::fs::rename(&tmp, dir.join(PLAYLIST))
            .await
            .map_err(io("writing a playlist"))?;
    }
    Ok(())
}

fn join(dir: &Path, l: &Listed) -> std::io::Result<()> {
    let mut media = std::fs::File::create(dir.join("media.mp4"))?;
    for name in l.init.iter().chain(&l.segments) {
        let mut part = std::fs::File::open(dir.join(name))?;
        std::io::copy(&mut part, &mut media)?;
    }
    media.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n\
#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n\
#EXT-X-MAP:URI=\"init_0.mp4\"\n#EXTINF:2.000000,\nseg00000.m4s\n#EXTINF:2.000000,\nseg00001.m4s\n";

    #[test]
    fn a_growing_playlist_names_its_init_and_finished_segments() {
        let l = listed(EVENT);
        assert_eq!(l.init.as_deref(), Some("init_0.mp4"));
        assert_eq!(l.segments, ["seg00000.m4s", "seg00001.m4s"]);
        assert!(!l.ended);
        let done = as_vod(&format!("{EVENT}#EXT-X-ENDLIST\n"));
        assert!(done.contains("#EXT-X-PLAYLIST-TYPE:VOD") && !done.contains("EVENT"));
        assert!(listed(&done).ended);
        // Nothing outside the rung's directory is taken.
        let odd =
            listed("#EXT-X-MAP:URI=\"../x\"\n#EXTINF:2,\n/etc/passwd\n#EXTINF:2,\nhttp://a/b\n");
        assert_eq!(odd, Listed::default());
    }
}

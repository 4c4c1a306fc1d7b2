//! Bad inputs fail with a reason a person understands and are never retried; a stuck ffmpeg
//! is killed by the stall watchdog.

use super::clips::{Audio, Clip, ffmpeg};
use super::{settings, tools};
use mm::media::{BadInput, FfmpegError, MediaInput, Tools, pipeline, probe};
use std::path::Path;
use std::time::{Duration, Instant};

/// Probes and renders `path`, expecting the bad-input failure `kind`.
async fn fails_with(path: &Path, kind: BadInput) {
    let input = MediaInput::Path(path.to_path_buf());
    let out = tempfile::tempdir().unwrap();
    let err = match probe::probe(&tools(), &input).await {
        Err(e) => e,
        Ok(meta) => pipeline::render(&tools(), &settings(), &meta, &input, out.path(), |_, _| {})
            .await
            .expect_err("rendering a bad input fails"),
    };
    assert!(err.is_client_error(), "{err:?}");
    assert_eq!(err.to_string(), kind.reason(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_file_renamed_mov_is_not_media() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mov");
    std::fs::write(
        &path,
        "Call list for Tuesday\nscene 4, take 2\n".repeat(200),
    )
    .unwrap();
    fails_with(&path, BadInput::NotMedia).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    fails_with(&path, BadInput::Empty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_playlist_disguised_as_a_movie_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sneaky.mov");
    std::fs::write(
        &path,
        "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
    )
    .unwrap();
    fails_with(&path, BadInput::NotMedia).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_master_cut_short_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    // moov at the end (ffmpeg's default): the index is gone.
    let whole = Clip::video("cut", 320, 240, Audio::Stereo).make(dir.path());
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut-end.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    fails_with(&cut, BadInput::Truncated).await;

    // moov at the front: the header promises 6 s, the data stops after about half.
    let mut clip = Clip::video("long", 320, 240, Audio::Stereo);
    clip.seconds = 6.0;
    let long = clip.make(dir.path());
    let fast = dir.path().join("faststart.mp4");
    ffmpeg(&[
        "-y".into(),
        "-i".into(),
        long.to_str().unwrap().into(),
        "-c".into(),
        "copy".into(),
        "-movflags".into(),
        "+faststart".into(),
        fast.to_str().unwrap().into(),
    ]);
    let bytes = std::fs::read(&fast).unwrap();
    let cut = dir.path().join("cut-front.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    fails_with(&cut, BadInput::Truncated).await;
}

fn fifo(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("stuck.ts");
    let ok = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    path
}

fn stall_tools(secs: u64) -> Tools {
    Tools {
        stall: Duration::from_secs(secs),
        ..tools()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watchdog_kills_an_ffmpeg_reading_from_a_fifo_nobody_writes() {
    let dir = tempfile::tempdir().unwrap();
    let input = MediaInput::Path(fifo(dir.path()));
    let started = Instant::now();
    let err = stall_tools(2)
        .ffmpeg()
        .args(input.input_args())
        .args(["-f", "null", "-"])
        .run(|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, FfmpegError::Stalled { .. }), "{err:?}");
    assert!(!err.is_client_error(), "a stall is retried");
    assert!(started.elapsed() >= Duration::from_secs(2));
    // ffprobe is bounded the same way.
    let err = probe::probe(&stall_tools(2), &input).await.unwrap_err();
    assert!(matches!(err, FfmpegError::Stalled { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_watchdog_kills_an_encode_that_stops_midway() {
    let dir = tempfile::tempdir().unwrap();
    let mut clip = Clip::video("feed", 160, 120, Audio::None);
    clip.seconds = 14.0;
    let master = clip.make(dir.path());
    let pipe = fifo(dir.path());
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let reader_path = pipe.clone();
    // Reads the start of the output, then stops reading without closing: ffmpeg blocks on
    // a full pipe after it has made some progress.
    let reader = std::thread::spawn(move || {
        let mut f = std::fs::File::open(reader_path).unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let _ = std::io::Read::read_exact(&mut f, &mut buf);
        let _ = hold.recv();
    });
    let mut seen = Duration::ZERO;
    let mut out = std::ffi::OsString::from("file:");
    out.push(&pipe);
    let err = stall_tools(3)
        .ffmpeg()
        // At the native rate, so progress is reported before the pipe fills.
        .arg("-re")
        .args(MediaInput::Path(master).input_args())
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts"])
        .arg(out)
        .run(|p| seen = seen.max(p.out_time))
        .await
        .unwrap_err();
    release.send(()).unwrap();
    reader.join().unwrap();
    assert!(matches!(err, FfmpegError::Stalled { .. }), "{err:?}");
    assert!(seen > Duration::ZERO, "it made progress before the stall");
    assert!(
        seen < Duration::from_secs(14),
        "it did not finish: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hardware_encoder_that_fails_its_test_encode_falls_back_to_libx264() {
    use mm::config::{Env, PreviewConfig, VideoEncoder};
    use mm::media::encoder::Encoder;
    let mut p = vec![];
    // A VA-API device that does not exist: the one-second test encode cannot succeed.
    let config = PreviewConfig::from_env(
        &Env::from_pairs([
            ("MM_VIDEO_ENCODER", "h264_vaapi"),
            ("MM_VAAPI_DEVICE", "/nonexistent/renderD128"),
        ]),
        &mut p,
    );
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(config.video_encoder, VideoEncoder::Vaapi);
    let chosen = Encoder::select(&tools(), &config).await;
    assert_eq!(chosen, Encoder::software(&config));
    assert_eq!(chosen.kind, VideoEncoder::Libx264);
}

//! The whole preview of generated clips: playlists parse, renditions decode at the right size
//! and aspect, keyframes align across rungs, images and the waveform are sane.

use super::clips::{Audio, Clip, decodes, dimensions, ffprobe_json};
use super::{keyframes, parse_master, path_in, render, render_with, settings, tools};
use mm::media::pipeline::{self, Manifest};
use mm::media::{MediaInput, TechnicalMetadata, probe};
use std::path::Path;

/// What a clip's preview must contain.
struct Expect {
    rungs: Vec<(u32, u32)>,
    audio: bool,
}

/// Every check that holds for any preview.
fn verify(meta: &TechnicalMetadata, manifest: &Manifest, out: &Path, expect: &Expect) {
    // The manifest lists every file with its real size.
    let mut on_disk = pipeline::list_files(out, expect.rungs.is_empty()).unwrap();
    on_disk.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(manifest.files, on_disk);
    assert!(manifest.files.iter().any(|f| f.path == "index.m3u8"));

    let master = std::fs::read_to_string(out.join("index.m3u8")).unwrap();
    let variants = parse_master(&master);
    assert_eq!(variants.len(), expect.rungs.len().max(1), "{master}");
    let mut key_times = Vec::new();
    for (i, v) in variants.iter().enumerate() {
        let bw: u64 = v.get("BANDWIDTH").unwrap().parse().unwrap();
        let avg: u64 = v.get("AVERAGE-BANDWIDTH").unwrap().parse().unwrap();
        assert!(bw >= avg && avg > 0, "{master}");
        let codecs = v.get("CODECS").unwrap();
        assert_eq!(codecs.contains("mp4a.40.2"), expect.audio, "{master}");
        let dir = out.join(v.uri.trim_end_matches("index.m3u8"));
        let rung_pl = std::fs::read_to_string(out.join(&v.uri)).unwrap();
        assert!(rung_pl.trim_end().ends_with("#EXT-X-ENDLIST"), "{rung_pl}");
        assert!(
            rung_pl.contains("#EXT-X-MAP:URI=\"media.mp4\",BYTERANGE="),
            "{rung_pl}"
        );
        let listed: f64 = rung_pl
            .lines()
            .filter_map(|l| l.strip_prefix("#EXTINF:"))
            .map(|d| d.trim_end_matches(',').parse::<f64>().unwrap())
            .sum();
        assert!(
            (listed - meta.duration).abs() < 0.25,
            "{listed} vs {}",
            meta.duration
        );
        decodes(&out.join(&v.uri));
        decodes(&dir.join("media.mp4"));
        // Read as a stream (no seeking to later fragments), the file states its whole length.
        let streamed = progressive_duration(&dir.join("media.mp4"));
        assert!(
            (streamed - meta.duration).abs() < 0.25,
            "{streamed} vs {}",
            meta.duration
        );
        let streams = ffprobe_json(&["-show_streams", dir.join("media.mp4").to_str().unwrap()]);
        let audio = streams["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "audio");
        assert_eq!(audio.is_some(), expect.audio);
        if let Some(a) = audio {
            assert_eq!(a["channels"], 2, "AAC-LC stereo");
            assert_eq!(a["profile"], "LC");
        }
        if let Some(&(w, h)) = expect.rungs.get(i) {
            assert_eq!(v.get("RESOLUTION"), Some(format!("{w}x{h}").as_str()));
            // The profile x264 really used (a fast test preset may drop to baseline).
            assert!(codecs.starts_with("avc1."), "{codecs}");
            assert!(v.get("FRAME-RATE").is_some());
            assert_eq!(dimensions(&dir.join("media.mp4")), (w, h));
            let shown = meta.display_aspect().unwrap();
            assert!(
                ((w as f64 / h as f64) - shown).abs() / shown < 0.02,
                "{w}x{h} keeps the displayed aspect {shown}"
            );
            key_times.push(keyframes(&dir.join("media.mp4")));
        }
    }
    // Keyframes at the same times in every rung, one per segment.
    for k in &key_times {
        assert_eq!(k, &key_times[0], "keyframes differ across rungs");
        let expected = (meta.duration / 4.0).ceil() as usize;
        assert_eq!(k.len(), expected, "{k:?}");
    }

    if expect.rungs.is_empty() {
        assert_eq!(manifest.poster, None);
        assert_eq!(manifest.sprite_vtt, None);
    } else {
        let top = *expect.rungs.last().unwrap();
        let poster = std::fs::read(out.join("poster.jpg")).unwrap();
        assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
        assert_eq!(dimensions(&out.join("poster.jpg")), top);
        check_sprite(out, meta.duration, top);
    }
    let wave = out.join("waveform.json");
    assert_eq!(wave.exists(), expect.audio);
    if expect.audio {
        let w: serde_json::Value = serde_json::from_slice(&std::fs::read(wave).unwrap()).unwrap();
        let peaks = w["peaks"].as_array().unwrap();
        assert_eq!(w["buckets"].as_u64().unwrap() as usize, peaks.len());
        assert!((w["duration"].as_f64().unwrap() - meta.duration).abs() < 0.25);
        let max = peaks
            .iter()
            .map(|p| p.as_f64().unwrap())
            .fold(0.0, f64::max);
        // The sine source's amplitude is 1/8: -3 dB when the clip was made stereo, summed
        // when 5.1 is folded to mono.
        assert!((0.05..=0.5).contains(&max), "peak {max}");
    }
    assert!(
        !out.join("wave.raw").exists(),
        "raw samples are not published"
    );
}

/// The duration ffprobe reads from the movie header alone (the file piped, so not seekable).
fn progressive_duration(file: &Path) -> f64 {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ffprobe -v error -show_entries format=duration -of csv=p=0 -i pipe:0 < \"$1\"")
        .arg("sh")
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The sprite sheet is a grid of 160 px tiles and its VTT covers the duration without gaps.
fn check_sprite(out: &Path, duration: f64, (w, h): (u32, u32)) {
    let vtt = std::fs::read_to_string(out.join("sprite.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n"));
    let secs = |t: &str| {
        let p: Vec<f64> = t.split(':').map(|x| x.parse().unwrap()).collect();
        p[0] * 3600.0 + p[1] * 60.0 + p[2]
    };
    let tile_h = ((160.0 * h as f64 / w as f64 / 2.0).round() * 2.0) as u32;
    let (sheet_w, sheet_h) = dimensions(&out.join("sprite.jpg"));
    let mut prev_end = 0.0;
    let mut cues = 0;
    let lines: Vec<&str> = vtt.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((a, b)) = line.split_once(" --> ") else {
            continue;
        };
        assert_eq!(secs(a), prev_end, "cues are contiguous");
        prev_end = secs(b);
        let xywh: Vec<u32> = lines[i + 1]
            .strip_prefix("sprite.jpg#xywh=")
            .unwrap()
            .split(',')
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!((xywh[2], xywh[3]), (160, tile_h));
        assert!(xywh[0] + xywh[2] <= sheet_w && xywh[1] + xywh[3] <= sheet_h);
        cues += 1;
    }
    assert!(
        (prev_end - duration).abs() < 0.01,
        "{prev_end} vs {duration}"
    );
    assert_eq!(sheet_w, 160 * cues.min(10));
}

async fn case(clip: Clip, expect: Expect) {
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let (meta, manifest, out) = render(&master).await;
    verify(&meta, &manifest, out.path(), &expect);
}

#[tokio::test(flavor = "multi_thread")]
async fn small_landscape_keeps_its_size_in_h264_high_profile() {
    let dir = tempfile::tempdir().unwrap();
    let master = Clip::video("small", 320, 240, Audio::Stereo).make(dir.path());
    // The product's own preset (veryfast), not the tests' faster one.
    let mut product = settings();
    product.encoder.x264_preset = "veryfast".into();
    let (meta, manifest, out) = render_with(&master, &product).await;
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(320, 240)],
            audio: true,
        },
    );
    assert!(
        manifest.renditions[0].codecs.starts_with("avc1.6400"),
        "{manifest:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_360p_master_gets_the_360p_rung() {
    let clip = Clip::video("w360", 640, 360, Audio::Mono);
    case(
        clip,
        Expect {
            rungs: vec![(640, 360)],
            audio: true,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn portrait_video_is_sized_by_its_short_side() {
    let clip = Clip::video("portrait", 360, 640, Audio::Stereo);
    case(
        clip,
        Expect {
            rungs: vec![(360, 640)],
            audio: true,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn video_without_audio_works() {
    let clip = Clip::video("silent", 320, 240, Audio::None);
    case(
        clip,
        Expect {
            rungs: vec![(320, 240)],
            audio: false,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audio_only_masters_get_an_audio_rendition() {
    let clip = Clip::audio_only("voice");
    case(
        clip,
        Expect {
            rungs: vec![],
            audio: true,
        },
    )
    .await;
    let master = {
        let dir = tempfile::tempdir().unwrap();
        let m = Clip::audio_only("voice2").make(dir.path());
        let (_, _, out) = render(&m).await;
        std::fs::read_to_string(path_in(&out, "index.m3u8")).unwrap()
    };
    let v = parse_master(&master);
    assert_eq!(v[0].uri, "audio/index.m3u8");
    assert_eq!(v[0].get("CODECS"), Some("mp4a.40.2"));
    assert_eq!(v[0].get("RESOLUTION"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn surround_sound_is_downmixed_to_stereo() {
    let clip = Clip::video("surround", 320, 240, Audio::FiveOne);
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let meta = probe::probe(&tools(), &MediaInput::Path(master.clone()))
        .await
        .unwrap();
    assert_eq!(meta.audio[0].channels, 6);
    let (meta, manifest, out) = render(&master).await;
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(320, 240)],
            audio: true,
        },
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_metadata_turns_the_picture() {
    let mut clip = Clip::video("rotated", 320, 240, Audio::Stereo);
    clip.rotate = Some(90);
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let (meta, manifest, out) = render(&master).await;
    let v = meta.video.as_ref().unwrap();
    assert_eq!(v.rotation % 180, 90);
    assert_eq!((v.display_width, v.display_height), (240, 320));
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(240, 320)],
            audio: true,
        },
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_dimensions_become_even() {
    let clip = Clip::video("odd", 321, 241, Audio::None);
    case(
        clip,
        Expect {
            rungs: vec![(320, 240)],
            audio: false,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn variable_frame_rate_footage_is_encoded_at_a_constant_rate() {
    let mut clip = Clip::video("vfr", 320, 240, Audio::Stereo);
    clip.vfr = true;
    clip.seconds = 5.0;
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let (meta, manifest, out) = render(&master).await;
    assert!(meta.video.as_ref().unwrap().vfr, "{meta:?}");
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(320, 240)],
            audio: true,
        },
    );
    let s = ffprobe_json(&[
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=avg_frame_rate,r_frame_rate",
        out.path().join("240p/media.mp4").to_str().unwrap(),
    ]);
    assert_eq!(
        s["streams"][0]["avg_frame_rate"],
        s["streams"][0]["r_frame_rate"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keyframes_align_across_several_rungs() {
    let mut clip = Clip::video("ladder", 320, 240, Audio::Stereo);
    clip.seconds = 9.0;
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let input = MediaInput::Path(master);
    let meta = probe::probe(&tools(), &input).await.unwrap();
    let mut s = settings();
    s.ladder = vec![120, 180, 240];
    let out = tempfile::tempdir().unwrap();
    let manifest = pipeline::render(&tools(), &s, &meta, &input, out.path(), |_, _| {})
        .await
        .unwrap();
    let expect = Expect {
        rungs: vec![(160, 120), (240, 180), (320, 240)],
        audio: true,
    };
    verify(&meta, &manifest, out.path(), &expect);
    // Three segments of 4 s, 4 s and 1 s: keyframes at 0, 4 and 8 seconds in every rung.
    let k = keyframes(&out.path().join("120p/media.mp4"));
    assert_eq!(k.len(), 3);
    let bws: Vec<u64> = manifest.renditions.iter().map(|r| r.bandwidth).collect();
    assert!(
        bws.windows(2).all(|w| w[0] < w[1]),
        "bigger rungs cost more: {bws:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn interlaced_masters_are_deinterlaced() {
    let mut clip = Clip::video("interlaced", 320, 240, Audio::Stereo);
    clip.interlaced = true;
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let (meta, manifest, out) = render(&master).await;
    assert!(meta.video.as_ref().unwrap().interlaced, "{meta:?}");
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(320, 240)],
            audio: true,
        },
    );
    let s = ffprobe_json(&[
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=field_order",
        out.path().join("240p/media.mp4").to_str().unwrap(),
    ]);
    assert_eq!(s["streams"][0]["field_order"], "progressive");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_render_keeps_reporting_progress_so_a_short_watchdog_lets_it_live() {
    // Every output (rungs, sprite tiles, waveform) must let ffmpeg report progress while it
    // works: one that emits only at the end would stall the reports and get a healthy encode
    // killed. A slow preset makes this render outlast the 5 s watchdog several times over on
    // a loaded machine.
    let mut clip = Clip::video("patience", 640, 360, Audio::Stereo);
    clip.seconds = 16.0;
    let dir = tempfile::tempdir().unwrap();
    let master = clip.make(dir.path());
    let mut s = settings();
    s.encoder.x264_preset = "slower".into();
    let tools = mm::media::Tools {
        stall: std::time::Duration::from_secs(5),
        ..tools()
    };
    let input = MediaInput::Path(master);
    let meta = probe::probe(&tools, &input).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    let manifest = pipeline::render(&tools, &s, &meta, &input, out.path(), |p, _| {
        reports.push(p)
    })
    .await
    .expect("not killed as stalled");
    verify(
        &meta,
        &manifest,
        out.path(),
        &Expect {
            rungs: vec![(640, 360)],
            audio: true,
        },
    );
    assert!(reports.windows(2).all(|w| w[0] <= w[1]), "{reports:?}");
}

//! First playable: a browser-safe H.264 master plays from its `source` rendition (packaged as
//! it is) before its ladder is done; a ProRes master plays from EVENT playlists published
//! segment by segment while it is encoded; keyframes too far apart take the encoding path; the
//! final playlists are VOD over the same segment names.

use super::clips::{decodes, ffmpeg, ffprobe_json};
use super::job::{PREVIEW_ENV, id, preview_job, version_of};
use crate::ingest::Ingest;
use mm::previews;
use mm::storage::Bucket;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// A generated master: `codec_args` after a 30 fps test picture and a stereo tone.
fn master(dir: &Path, name: &str, seconds: u32, size: &str, codec_args: &[&str]) -> Vec<u8> {
    let path = dir.join(name);
    let mut args: Vec<String> = [
        "-y",
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=size={size}:rate=30:duration={seconds}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=440:sample_rate=48000:duration={seconds}"),
        "-ac",
        "2",
    ]
    .map(String::from)
    .into();
    args.extend(codec_args.iter().map(|a| a.to_string()));
    args.push(path.to_str().unwrap().into());
    ffmpeg(&args);
    std::fs::read(&path).unwrap()
}

/// Copies the published rendition `rel` (`<name>/index.m3u8`) and every file it names from
/// the previews bucket into `dir`; returns the local playlist and its text.
async fn fetch_rendition(
    t: &Ingest,
    prefix: &str,
    rel: &str,
    dir: &Path,
) -> (std::path::PathBuf, String) {
    let text = String::from_utf8(
        t.object(Bucket::Previews, &format!("{prefix}/{rel}"))
            .await
            .unwrap_or_else(|| panic!("{rel} published")),
    )
    .unwrap();
    let (name, _) = rel.split_once('/').unwrap();
    let local = dir.join(name);
    std::fs::create_dir_all(&local).unwrap();
    let mut files: Vec<String> = mm::media::growing::listed(&text).segments;
    files.extend(mm::media::growing::listed(&text).init);
    files.sort();
    files.dedup();
    for f in &files {
        let bytes = t
            .object(Bucket::Previews, &format!("{prefix}/{name}/{f}"))
            .await
            .unwrap_or_else(|| panic!("{name}/{f} named by its playlist is published"));
        std::fs::write(local.join(f), bytes).unwrap();
    }
    let pl = local.join("index.m3u8");
    std::fs::write(&pl, &text).unwrap();
    (pl, text)
}

async fn asset(t: &Ingest, asset_id: Uuid) -> Value {
    let (status, body) = t.get(format!("/api/assets/{asset_id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_safe_h264_master_plays_from_its_source_before_the_ladder() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    // Keyframes every 2 s; AAC audio at 44.1 kHz mono is made AAC stereo, the video copied.
    let bytes = master(
        dir.path(),
        "safe.mp4",
        8,
        "640x360",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "60",
            "-b:v",
            "500k",
            "-maxrate",
            "700k",
            "-bufsize",
            "1000k",
            "-c:a",
            "aac",
            "-ac",
            "1",
            "-ar",
            "44100",
        ],
    );
    let done = t.upload("safe.mp4", &bytes, json!({})).await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| j.state == "succeeded").await;

    // Playable was recorded while the job ran, before its end.
    let v = version_of(&t, version_id).await;
    let playable_at = v.playable_at.expect("the version became playable early");
    assert!(
        playable_at < job.finished_at.unwrap(),
        "{playable_at} vs {:?}",
        job.finished_at
    );
    assert_eq!(v.status, "ready");

    let prefix = previews::prefix(asset_id, version_id);
    let (pl, text) = fetch_rendition(&t, &prefix, "source/index.m3u8", dir.path()).await;
    assert!(text.contains("#EXT-X-ENDLIST"), "{text}");
    decodes(&pl);
    // The picture was not re-encoded: same size and profile as the master's.
    let probed = ffprobe_json(&[
        "-show_streams",
        dir.path().join("source/media.mp4").to_str().unwrap(),
    ]);
    let streams = probed["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    let audio = streams.iter().find(|s| s["codec_type"] == "audio").unwrap();
    assert_eq!(
        (video["codec_name"].as_str(), video["width"].as_u64()),
        (Some("h264"), Some(640))
    );
    assert_eq!(
        (audio["codec_name"].as_str(), audio["channels"].as_u64()),
        (Some("aac"), Some(2))
    );

    // The final master playlist lists the ladder and the source (its rate suits streaming).
    let master = String::from_utf8(
        t.object(Bucket::Previews, &previews::master_key(&prefix))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        master.contains("360p/index.m3u8") && master.contains("source/index.m3u8"),
        "{master}"
    );

    let a = asset(&t, asset_id).await;
    assert_eq!(a["preview"]["playable"], true, "{a}");
    let (status, signed) = t
        .post("/api/sign-preview", json!({"asset_id": asset_id}))
        .await;
    assert_eq!(status, 200, "{signed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prores_master_plays_from_event_playlists_while_it_is_encoded() {
    // Read at real time, so the encode lasts the master's 12 s and the segments come out
    // one by one, every 2 s.
    let env: Vec<(&str, &str)> = PREVIEW_ENV
        .iter()
        .copied()
        .chain([
            ("MM_PREVIEW_READ_RATE", "1"),
            ("MM_HLS_SEGMENT_SECONDS", "2"),
        ])
        .collect();
    let t = Ingest::start(&env).await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = master(
        dir.path(),
        "grade.mov",
        12,
        "640x360",
        &["-c:v", "prores_ks", "-profile:v", "0", "-c:a", "pcm_s16le"],
    );
    let done = t.upload("grade.mov", &bytes, json!({})).await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let prefix = previews::prefix(asset_id, version_id);
    let job = preview_job(&t, asset_id, |j| j.state == "running").await;

    // The early master playlist, and a rung's EVENT playlist with a first segment out.
    let early = loop {
        let a = asset(&t, asset_id).await;
        if a["preview"]["playable"] == true {
            break a;
        }
        assert_eq!(
            a["preview"]["state"], "running",
            "the job ended before playing: {a}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let event_dir = dir.path().join("event");
    let (pl, text) = fetch_rendition(&t, &prefix, "360p/index.m3u8", &event_dir).await;
    let still_running = t.job(job.id).await;
    assert_eq!(still_running.state, "running", "{early}");
    assert!(text.contains("#EXT-X-PLAYLIST-TYPE:EVENT"), "{text}");
    assert!(!text.contains("#EXT-X-ENDLIST"), "{text}");
    let listed = mm::media::growing::listed(&text);
    let first = listed.segments[0].clone();
    // ffmpeg would wait for the EVENT playlist to grow: the init and segments out so far are
    // decoded as a player's buffer holds them, one after the other.
    let joined = event_dir.join("joined.mp4");
    let mut all = Vec::new();
    for f in listed.init.iter().chain(&listed.segments) {
        all.extend(std::fs::read(pl.parent().unwrap().join(f)).unwrap());
    }
    std::fs::write(&joined, all).unwrap();
    decodes(&joined);
    let master = String::from_utf8(
        t.object(Bucket::Previews, &previews::master_key(&prefix))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        master.contains("360p/index.m3u8") && !master.contains("source/"),
        "{master}"
    );
    let (status, signed) = t
        .post("/api/sign-preview", json!({"asset_id": asset_id}))
        .await;
    assert_eq!(status, 200, "{signed}");

    // The end: a VOD playlist over the same segment names, the whole master decoded.
    let job = preview_job(&t, asset_id, |j| j.state == "succeeded").await;
    let v = version_of(&t, version_id).await;
    assert!(v.playable_at.unwrap() < job.finished_at.unwrap());
    let (pl, text) = fetch_rendition(&t, &prefix, "360p/index.m3u8", &dir.path().join("vod")).await;
    assert!(
        text.contains("#EXT-X-PLAYLIST-TYPE:VOD") && text.contains("#EXT-X-ENDLIST"),
        "{text}"
    );
    assert!(text.contains(&first), "{text}");
    decodes(&pl);
    let frames = ffprobe_json(&[
        "-count_frames",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=nb_read_frames",
        pl.to_str().unwrap(),
    ]);
    assert_eq!(frames["streams"][0]["nb_read_frames"], "360", "{frames}");
    // The rung as one file too, for downloads and remixes.
    assert!(
        t.object(Bucket::Previews, &format!("{prefix}/360p/media.mp4"))
            .await
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn h264_with_keyframes_15_s_apart_is_encoded_not_packaged() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = master(
        dir.path(),
        "sparse.mp4",
        20,
        "320x180",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "450",
            "-keyint_min",
            "450",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
        ],
    );
    let done = t.upload("sparse.mp4", &bytes, json!({})).await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| j.state == "succeeded").await;
    let prefix = previews::prefix(asset_id, version_id);
    assert!(
        t.object(Bucket::Previews, &format!("{prefix}/source/index.m3u8"))
            .await
            .is_none(),
        "a master with keyframes 15 s apart was packaged"
    );
    let master = String::from_utf8(
        t.object(Bucket::Previews, &previews::master_key(&prefix))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!master.contains("source/"), "{master}");
    // Encoded as a growing set: playable early, VOD at the end.
    let v = version_of(&t, version_id).await;
    assert!(v.playable_at.unwrap() < job.finished_at.unwrap());
    let (pl, text) = fetch_rendition(&t, &prefix, "180p/index.m3u8", dir.path()).await;
    assert!(
        text.contains("#EXT-X-PLAYLIST-TYPE:VOD") && text.contains("#EXT-X-ENDLIST"),
        "{text}"
    );
    decodes(&pl);
}

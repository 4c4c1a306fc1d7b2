//! The proxy download for real: a clip through the real pipeline, a link that allows `proxy`
//! queues the job that copies the 720p rung into a progressive MP4 (video and audio, movie
//! header first), the guest's download is that file, and it is audited with the guest.

use super::{gpath, guest, identify};
use crate::harness::{count, wait_job_of};
use crate::ingest::Ingest;
use crate::preview::clips::{Audio, Clip, ffprobe_json};
use crate::preview::job::{PREVIEW_ENV, id, preview_job};
use mm::media::pipeline::Manifest;
use mm::storage::Bucket;
use serde_json::json;
use std::time::Duration;

/// Offset of the first top-level box of `kind` in an MP4.
fn top_box(bytes: &[u8], kind: &[u8; 4]) -> Option<usize> {
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        if &bytes[at + 4..at + 8] == kind {
            return Some(at);
        }
        if size < 8 {
            return None;
        }
        at += size;
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_download_is_a_progressive_720p_mp4_with_audio_audited_with_the_guest() {
    let env: Vec<(&str, &str)> = PREVIEW_ENV
        .iter()
        .copied()
        .chain([("MM_PREVIEW_LADDER", "360,720")])
        .collect();
    let t = Ingest::start(&env).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = Clip::video("spot", 1280, 720, Audio::Stereo).make(dir.path());
    let done = t
        .upload("spot.mp4", &std::fs::read(&clip).unwrap(), json!({}))
        .await;
    let (asset, version) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset, |j| j.state == "succeeded" || j.state == "failed").await;
    assert_eq!(job.state, "succeeded", "{job:?}");

    let (s, b) = t
        .post(
            "/api/shares",
            json!({"asset_ids": [asset], "allow_download": "proxy"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (share_id, token) = (
        b["id"].as_str().unwrap().to_string(),
        b["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string(),
    );
    let made = wait_job_of(
        &t.state,
        asset,
        "proxy-mp4",
        Duration::from_secs(120),
        |j| j.state == "succeeded" || j.state == "failed",
    )
    .await;
    assert_eq!(made.state, "succeeded", "{made:?}");
    let prefix = mm::previews::prefix(asset, version);
    let manifest: Manifest = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    let p = manifest
        .proxy
        .clone()
        .expect("the manifest records the proxy");
    assert_eq!((p.path.as_str(), p.height), ("proxy.mp4", 720), "{p:?}");
    assert!(
        manifest
            .files
            .iter()
            .any(|f| f.path == "proxy.mp4" && f.size == p.size)
    );

    let g = guest();
    identify(&t.app, &g, &token, "Ola").await;
    let r = g
        .get(gpath(
            &t.app,
            &token,
            &format!("/assets/{asset}/download?kind=proxy"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let to = if to.starts_with("http") {
        to
    } else {
        t.app.url(&to)
    };
    let got = g.get(&to).send().await.unwrap();
    assert_eq!(got.status(), 200, "{to}");
    let cd = got.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains("-v1-720p.mp4"), "{cd}");
    let bytes = got.bytes().await.unwrap().to_vec();
    assert_eq!(bytes.len() as u64, p.size);

    // ffprobe reads it as an MP4 file with a 720p picture and a stereo sound track.
    let file = dir.path().join("downloaded.mp4");
    std::fs::write(&file, &bytes).unwrap();
    let probe = ffprobe_json(&["-show_format", "-show_streams", file.to_str().unwrap()]);
    assert!(
        probe["format"]["format_name"]
            .as_str()
            .unwrap()
            .contains("mp4"),
        "{probe}"
    );
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video["height"], 720, "{video}");
    let audio = streams.iter().find(|s| s["codec_type"] == "audio");
    assert_eq!(
        audio.map(|a| a["channels"].clone()),
        Some(json!(2)),
        "{probe}"
    );
    let seconds: f64 = probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((seconds - 3.0).abs() < 0.2, "{seconds}");
    // Progressive and fast-starting: the movie header before the media, no fragments.
    let (moov, mdat) = (top_box(&bytes, b"moov"), top_box(&bytes, b"mdat"));
    assert!(
        moov.is_some() && mdat.is_some() && moov < mdat,
        "{moov:?} {mdat:?}"
    );
    assert_eq!(top_box(&bytes, b"moof"), None, "not fragmented");

    // Kept with the guest's identity, in the link's activity and the audit log.
    let audited = format!(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'share.downloaded' AND target_id = '{share_id}' \
         AND details->>'kind' = 'proxy' AND details->>'guest_email' = 'ola@client.test' \
         AND actor_label LIKE 'guest:ola@client.test%'"
    );
    assert_eq!(count(&t.app, &audited), 1);
    assert_eq!(
        count(
            &t.app,
            &format!(
                "SELECT count(*) AS n FROM share_activity WHERE share_id = '{share_id}' AND action = 'downloaded' AND guest_name = 'Ola'"
            )
        ),
        1
    );
    // One job made it; asking again makes no other.
    assert_eq!(
        count(
            &t.app,
            &format!(
                "SELECT count(*) AS n FROM jobs WHERE kind = 'proxy-mp4' AND version_id = '{version}'"
            )
        ),
        1
    );
}

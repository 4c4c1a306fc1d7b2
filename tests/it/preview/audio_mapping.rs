//! Changing a version's audio mapping through the API: bad choices are refused with nothing
//! stored, a good one re-renders the published preview's audio (and only that).

use super::job::{PREVIEW_ENV, id, preview_job, version_of};
use super::masters::{channel_tones, near, prores_master, tone};
use crate::ingest::Ingest;
use mm::previews;
use mm::storage::Bucket;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_mapping_re_renders_the_published_audio() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    let master = prores_master(dir.path(), 4, "01:00:00:00");
    let done = t
        .upload("master.mov", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    preview_job(&t, asset_id, |j| j.state == "succeeded").await;
    let v = version_of(&t, version_id).await;
    assert_eq!(v.audio_mapping.as_deref(), Some("pair:1,2"));
    assert_eq!(v.technical.as_ref().unwrap()["timecode"], "01:00:00:00");

    let route = format!("/api/assets/{asset_id}/audio-mapping");
    for bad in [
        json!({"mapping": "track:9"}),
        json!({"mapping": "left"}),
        json!({"mapping": "5.1:1"}),
    ] {
        let (status, body) = t
            .call(reqwest::Method::PUT, &route, Some(bad.clone()))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid-audio-mapping")),
            "{bad}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(
        version_of(&t, version_id).await.audio_mapping.as_deref(),
        Some("pair:1,2")
    );

    let prefix = previews::prefix(asset_id, version_id);
    let manifest_of = async || -> Value {
        serde_json::from_slice(
            &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
                .await
                .unwrap(),
        )
        .unwrap()
    };
    let before = manifest_of().await;
    let poster = t
        .object(Bucket::Previews, &format!("{prefix}/poster.jpg"))
        .await;
    let (status, body) = t
        .call(
            reqwest::Method::PUT,
            &route,
            Some(json!({"mapping": "track:3"})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let job = t
        .wait_job(&body["job_id"], |j| {
            j.state == "succeeded" || j.state == "failed"
        })
        .await;
    assert_eq!(job.state, "succeeded", "{job:?}");
    assert_eq!(
        version_of(&t, version_id).await.audio_mapping.as_deref(),
        Some("track:3")
    );
    let after = manifest_of().await;
    assert_eq!(after["audio_mapping"], "track:3");
    assert_eq!(before["audio_mapping"], "pair:1,2");
    assert_eq!(
        t.object(Bucket::Previews, &format!("{prefix}/poster.jpg"))
            .await,
        poster
    );
    let rung = after["renditions"][0]["mp4"].as_str().unwrap();
    let local = dir.path().join("rung.mp4");
    std::fs::write(
        &local,
        t.object(Bucket::Previews, &format!("{prefix}/{rung}"))
            .await
            .unwrap(),
    )
    .unwrap();
    let (l, r) = channel_tones(&local);
    assert!(
        near(l, tone(3)) && near(r, tone(3)),
        "left {l} Hz, right {r} Hz"
    );
    for f in after["files"].as_array().unwrap() {
        let key = format!("{prefix}/{}", f["path"].as_str().unwrap());
        let bytes = t
            .object(Bucket::Previews, &key)
            .await
            .expect("listed file exists");
        assert_eq!(bytes.len() as u64, f["size"].as_u64().unwrap(), "{key}");
    }
}

//! The preview job against S3 (moto on loopback): ffmpeg reads the master through a
//! presigned URL, and the set is published to the previews bucket.

use super::clips::{Audio, Clip};
use super::job::{PREVIEW_ENV, id, preview_job, version_of};
use crate::harness::Moto;
use crate::ingest::Ingest;
use mm::previews;
use mm::storage::Bucket;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_master_on_s3_is_previewed_through_a_presigned_url() {
    let moto = Moto::start();
    moto.initialized_config().await;
    let env: Vec<(String, String)> = moto.env().into_iter().collect();
    let mut extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    extra.extend_from_slice(PREVIEW_ENV);
    let t = Ingest::start(&extra).await;

    let dir = tempfile::tempdir().unwrap();
    let clip = Clip::video("s3clip", 320, 240, Audio::Stereo).make(dir.path());
    let done = t
        .upload("s3clip.mp4", &std::fs::read(&clip).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| {
        !matches!(j.state.as_str(), "queued" | "running")
    })
    .await;
    assert_eq!(job.state, "succeeded", "{job:?}");
    let v = version_of(&t, version_id).await;
    assert_eq!(v.status, "ready");
    assert_eq!(v.technical.unwrap()["video"]["height"], 240);
    let prefix = previews::prefix(asset_id, version_id);
    let master = t
        .object(Bucket::Previews, &previews::master_key(&prefix))
        .await
        .expect("published to the previews bucket");
    assert!(
        String::from_utf8(master)
            .unwrap()
            .contains("240p/index.m3u8")
    );
    let meta = t
        .state
        .storage
        .head(Bucket::Previews, &format!("{prefix}/240p/media.mp4"))
        .await
        .unwrap();
    assert_eq!(meta.content_type.as_deref(), Some("video/mp4"));

    // A text file on S3 is told apart from a cut-off movie by its first bytes.
    let done = t
        .upload(
            "memo.mov",
            "Lunch at one.\n".repeat(100).as_bytes(),
            json!({}),
        )
        .await;
    let job = preview_job(&t, id(&done["asset_id"]), |j| {
        matches!(j.state.as_str(), "failed" | "dead")
    })
    .await;
    assert!(
        !format!("{job:?}").contains("X-Amz"),
        "no presigned URL in messages: {job:?}"
    );
    assert_eq!(job.state, "failed", "{job:?}");
    assert!(
        job.error.as_deref().unwrap().contains("not a media file"),
        "{job:?}"
    );
    assert_eq!(job.attempts, 1);
}

//! An HDR master through the real preview job: the version keeps the `color` its manifest
//! recorded, and the asset page says what was done from that record.

use super::job::{PREVIEW_ENV, id, preview_job, version_of};
use super::masters::hdr_master;
use crate::harness::{ApiClient, seed_user};
use crate::ingest::Ingest;
use mm::auth::Role as UserRole;
use mm::previews;
use mm::storage::Bucket;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_master_previewed_with_tone_mapping_off_says_so() {
    let env: Vec<(&str, &str)> = PREVIEW_ENV
        .iter()
        .copied()
        .chain([("MM_HDR_TONEMAP", "off")])
        .collect();
    let t = Ingest::start(&env).await;
    let dir = tempfile::tempdir().unwrap();
    let master = hdr_master(dir.path(), "smpte2084", 0.58);
    let done = t
        .upload("hdr.mp4", &std::fs::read(&master).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| {
        j.state == "succeeded" || j.state == "failed"
    })
    .await;
    assert_eq!(job.state, "succeeded", "{job:?}");

    let prefix = previews::prefix(asset_id, version_id);
    let manifest: Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    let v = version_of(&t, version_id).await;
    assert_eq!(v.preview_color.as_ref(), Some(&manifest["color"]));
    assert_eq!(manifest["color"]["tonemap"], "off");
    assert_eq!(manifest["color"]["output"], "source");

    seed_user(&t.app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&t.app, "ed@mm.test").await;
    let html = ed
        .client
        .get(t.app.url(&format!("/assets/{asset_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<dt>Dynamic range</dt><dd>HDR (PQ), previewed without tone mapping</dd>"),
        "{html}"
    );
}

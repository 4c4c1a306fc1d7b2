//! The same uploads against S3 (a moto server on loopback): the browser PUTs straight to
//! storage, never through mm, and promotion copies and verifies the master there.

use super::{Ingest, MIB};
use crate::harness::{Moto, data, sha256_hex};
use mm::storage::Bucket;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn single_and_multipart_uploads_work_against_s3() {
    let moto = Moto::start();
    moto.initialized_config().await;
    let env: Vec<(String, String)> = moto.env().into_iter().collect();
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let t = Ingest::start(&extra).await;

    let small = data(200_000, 31);
    let up = t
        .start_upload(
            "s3_small.mov",
            small.len(),
            json!({"sha256": sha256_hex(&small)}),
        )
        .await;
    assert!(
        up["url"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&moto.endpoint()),
        "{up}"
    );
    let (status, _) = t
        .put(&up["url"], small.clone(), Some("video/quicktime"))
        .await;
    assert_eq!(status, 200);
    let (status, done) = t
        .post(
            format!(
                "/api/uploads/{}/complete",
                up["upload_id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{done}");

    let big = data(20 * MIB + 7, 32);
    let up = t.start_upload("s3_big.mp4", big.len(), json!({})).await;
    assert_eq!(up["kind"], "multipart");
    let id = up["upload_id"].as_str().unwrap().to_string();
    let mut parts = t.send_parts(&up, &big, &[1, 3]).await;
    let (_, state) = t.get(format!("/api/uploads/{id}")).await;
    assert_eq!(state["parts"].as_array().unwrap().len(), 2, "{state}");
    parts.extend(t.send_parts(&up, &big, &[2]).await);
    let (status, done_big) = t
        .post(
            format!("/api/uploads/{id}/complete"),
            json!({"parts": parts}),
        )
        .await;
    assert_eq!(status, 202, "{done_big}");

    for (done, bytes, name) in [
        (&done, &small, "s3_small.mov"),
        (&done_big, &big, "s3_big.mp4"),
    ] {
        let job = t
            .wait_job(&done["job_id"], |j| {
                j.state != "queued" && j.state != "running"
            })
            .await;
        assert_eq!(job.state, "succeeded", "{job:?}");
        let (_, asset) = t
            .get(format!(
                "/api/assets/{}",
                done["asset_id"].as_str().unwrap()
            ))
            .await;
        let v = &asset["versions"][0];
        // Stored, then the preview job takes over (these bytes are not media: it fails).
        assert!(
            ["stored", "processing", "failed", "ready"].contains(&v["status"].as_str().unwrap()),
            "{v}"
        );
        assert_eq!(v["sha256"], sha256_hex(bytes));
        let master = format!(
            "masters/{}/{}/{name}",
            done["asset_id"].as_str().unwrap(),
            done["version_id"].as_str().unwrap()
        );
        assert!(
            t.object(Bucket::Masters, &master).await.as_deref() == Some(&bytes[..]),
            "{name}"
        );
        assert_eq!(
            t.object(Bucket::Staging, v["staging_key"].as_str().unwrap())
                .await,
            None
        );
    }
}

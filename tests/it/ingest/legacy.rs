//! The original contract: `POST /api/presign` into staging only, then `POST /api/promote`.

use super::Ingest;
use crate::harness::{data, rows, sha256_hex};
use mm::storage::Bucket;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn old_scripts_presign_upload_and_promote() {
    let t = Ingest::start(&[]).await;
    let bytes = data(80_000, 21);
    let key = format!("staging/{}/clip.mov", uuid::Uuid::new_v4());
    let (status, p) = t
        .post(
            "/api/presign",
            json!({"key": key, "contentType": "video/quicktime", "contentLength": bytes.len()}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (
            p["key"].as_str(),
            p["method"].as_str(),
            p["expiresIn"].as_u64()
        ),
        (Some(key.as_str()), Some("PUT"), Some(900))
    );
    let (status, _) = t.put(&p, bytes.clone(), Some("video/quicktime")).await;
    assert_eq!(status, 200);
    let (status, again) = t
        .post(
            "/api/presign",
            json!({"key": key, "contentType": "video/quicktime", "expires": 60}),
        )
        .await;
    assert_eq!(
        (status, again["expiresIn"].as_u64()),
        (200, Some(60)),
        "presigning the same key again refreshes it"
    );

    let (status, done) = t
        .post(
            "/api/promote",
            json!({"stagingKey": key, "sha256": sha256_hex(&bytes), "title": "Old script"}),
        )
        .await;
    assert_eq!(status, 202, "{done}");
    let master_key = format!(
        "masters/{}/{}/clip.mov",
        done["assetId"].as_str().unwrap(),
        done["versionId"].as_str().unwrap()
    );
    assert_eq!(done["masterKey"], master_key);
    t.wait_job(&done["jobId"], |j| j.state == "succeeded").await;
    assert_eq!(
        t.object(Bucket::Masters, &master_key).await.as_deref(),
        Some(&bytes[..])
    );
    let (status, same) = t.post("/api/promote", json!({"stagingKey": key})).await;
    assert_eq!((status, same), (202, done.clone()));
    let (_, asset) = t
        .get(&format!(
            "/api/assets/{}",
            done["assetId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(asset["title"], "Old script");
    assert_eq!(asset["versions"][0]["sha256_declared"], sha256_hex(&bytes));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_old_contract_refuses_what_the_old_system_let_through() {
    let t = Ingest::start(&[]).await;
    let presign = |body: serde_json::Value| t.post("/api/presign", body);
    for (body, code) in [
        (
            json!({"key": "masters/a/clip.mov", "contentType": "video/quicktime"}),
            "invalid-key",
        ),
        (json!({"key": "staging/../masters/clip.mov"}), "invalid-key"),
        (json!({"key": "/staging/a/clip.mov"}), "invalid-key"),
        (json!({"key": "staging/a/my clip.mov"}), "invalid-key"),
        (
            json!({"key": "staging/a/clip.mov", "bucket": "mm-masters"}),
            "bucket-not-allowed",
        ),
        (
            json!({"key": "staging/a/clip.mov", "contentType": "text/html"}),
            "type-mismatch",
        ),
        (json!({"key": "staging/a/notes.txt"}), "unsupported-type"),
        (
            json!({"key": "staging/a/clip.mov", "expires": 5}),
            "invalid-expires",
        ),
        (
            json!({"key": "staging/a/clip.mov", "contentLength": 0}),
            "invalid-length",
        ),
    ] {
        let (status, v) = presign(body.clone()).await;
        assert_eq!(
            (status, v["code"].as_str()),
            (400, Some(code)),
            "{body}: {v}"
        );
    }
    assert_eq!(rows(&t.app, "uploads"), 0);
    let (status, v) = t
        .post(
            "/api/promote",
            json!({"stagingKey": "staging/nope/clip.mov"}),
        )
        .await;
    assert_eq!((status, v["code"].as_str()), (404, Some("not-found")));
    let (status, v) = t
        .post(
            "/api/promote",
            json!({"stagingKey": "staging/a/clip.mov", "mastersBucket": "x"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("bucket-not-allowed"))
    );
    let (status, v) = t
        .post("/api/promote", json!({"stagingKey": "../../etc/passwd"}))
        .await;
    assert_eq!((status, v["code"].as_str()), (400, Some("invalid-key")));
    assert_eq!(rows(&t.app, "assets"), 0);
}

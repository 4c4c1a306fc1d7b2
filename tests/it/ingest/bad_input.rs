//! Every bad input of the issue: each is a clear 4xx `{code, message}` and changes nothing;
//! a refused completion leaves the upload able to finish.

use super::{Ingest, MIB, refused};
use crate::harness::{data, rows};
use mm::storage::{Bucket, bytes_stream};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn bad_upload_requests_are_refused_and_create_nothing() {
    let t = Ingest::start(&[("MM_MAX_UPLOAD_BYTES", "100MiB")]).await;
    let up = |body: Value| t.post("/api/uploads", body);
    refused(
        &up(json!({"filename": "notes.txt", "size": 10, "content_type": "text/plain"})).await,
        400,
        "unsupported-type",
    );
    refused(
        &up(json!({"filename": "setup.exe", "size": 10})).await,
        400,
        "unsupported-type",
    );
    refused(
        &up(json!({"filename": "README", "size": 10})).await,
        400,
        "unsupported-type",
    );
    refused(
        &up(json!({"filename": "clip.mov", "size": 10, "content_type": "image/png"})).await,
        400,
        "type-mismatch",
    );
    refused(
        &up(json!({"filename": "song.wav", "size": 10, "content_type": "video/mp4"})).await,
        400,
        "type-mismatch",
    );
    refused(
        &up(json!({"filename": "big.mov", "size": 200 * MIB})).await,
        400,
        "file-too-large",
    );
    refused(
        &up(json!({"filename": "empty.mov", "size": 0})).await,
        400,
        "empty-file",
    );
    refused(
        &up(json!({"filename": "???", "size": 10})).await,
        400,
        "invalid-filename",
    );
    refused(
        &up(json!({"filename": "a.mov", "size": 10, "sha256": "abc"})).await,
        400,
        "invalid-sha256",
    );
    refused(
        &up(json!({"filename": "a.mov", "size": 10, "title": "  "})).await,
        400,
        "invalid-title",
    );
    refused(
        &up(json!({"filename": "a.mov", "size": 10, "asset_id": Uuid::new_v4()})).await,
        404,
        "not-found",
    );
    refused(
        &up(json!({"filename": "a.mov", "size": 10, "bucket": "masters"})).await,
        400,
        "invalid-json",
    );
    refused(
        &up(json!({"filename": "a.mov", "size": -1})).await,
        400,
        "invalid-json",
    );
    let raw = t
        .app
        .client
        .post(t.app.url("/api/uploads"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json")
        .body("{\"filename\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(rows(&t.app, "uploads"), 0);
    assert_eq!(rows(&t.app, "assets"), 0);
    assert!(
        t.state
            .storage
            .list(Bucket::Staging, "staging/")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_completions_are_refused_and_the_upload_still_finishes() {
    let t = Ingest::start(&[]).await;
    let bytes = data(20 * MIB, 5);
    let up = t.start_upload("take.mov", bytes.len(), json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let path = format!("/api/uploads/{id}/complete");
    let parts_path = format!("/api/uploads/{id}/parts");

    refused(
        &t.post(&parts_path, json!({"part_numbers": [0]})).await,
        400,
        "invalid-parts",
    );
    refused(
        &t.post(&parts_path, json!({"part_numbers": [4]})).await,
        400,
        "invalid-parts",
    );
    refused(
        &t.post(&parts_path, json!({"part_numbers": []})).await,
        400,
        "invalid-parts",
    );

    let mut parts = t.send_parts(&up, &bytes, &[1, 2]).await;
    refused(&t.post(&path, json!({})).await, 400, "missing-parts");
    refused(
        &t.post(&path, json!({"parts": parts})).await,
        400,
        "missing-parts",
    );
    let dup = json!([parts[0], parts[0], parts[1], {"part_number": 3, "etag": "x"}]);
    refused(
        &t.post(&path, json!({"parts": dup})).await,
        400,
        "duplicate-part",
    );
    let beyond = json!([parts[0], parts[1], {"part_number": 3, "etag": "x"}, {"part_number": 4, "etag": "x"}]);
    refused(
        &t.post(&path, json!({"parts": beyond})).await,
        400,
        "invalid-parts",
    );
    // Part 3 is listed but never reached storage.
    let unsent = json!([parts[0], parts[1], {"part_number": 3, "etag": "\"0123\""}]);
    refused(
        &t.post(&path, json!({"parts": unsent})).await,
        400,
        "missing-parts",
    );

    // Part 3 stored with the wrong length (as a client bypassing the URL's size could).
    let sid = t
        .state
        .db
        .run({
            let id = Uuid::parse_str(&id).unwrap();
            move |c| mm::db::models::upload::find_for(c, id, None)
        })
        .await
        .unwrap()
        .unwrap();
    let storage_id = sid.storage_upload_id.clone().unwrap();
    let unsized_url = t
        .state
        .storage
        .presign_part(
            Bucket::Staging,
            &sid.staging_key,
            &storage_id,
            3,
            Duration::from_secs(300),
        )
        .await
        .unwrap();
    let (status, short_etag) = t
        .put(
            &json!({"url": unsized_url.url}),
            bytes[16 * MIB..20 * MIB - 1].to_vec(),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let with_short = json!([parts[0], parts[1], {"part_number": 3, "etag": short_etag}]);
    refused(
        &t.post(&path, json!({"parts": with_short})).await,
        400,
        "size-mismatch",
    );

    parts.extend(t.send_parts(&up, &bytes, &[3]).await);
    let wrong_etag = json!([parts[0], {"part_number": 2, "etag": "\"ffffffffffffffffffffffffffffffff\""}, parts[2]]);
    refused(
        &t.post(&path, json!({"parts": wrong_etag})).await,
        400,
        "etag-mismatch",
    );

    // Nothing was created by any refusal, and the upload is still open.
    assert_eq!(rows(&t.app, "assets"), 0);
    assert_eq!(rows(&t.app, "asset_versions"), 0);
    assert_eq!(rows(&t.app, "jobs"), 0);
    let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(state["state"], "uploading");
    assert_eq!(state["parts"].as_array().unwrap().len(), 3);

    let (status, done) = t.post(&path, json!({"parts": parts})).await;
    assert_eq!(status, 202, "{done}");
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_upload_with_the_wrong_size_is_refused_at_complete() {
    let t = Ingest::start(&[]).await;
    let up = t.start_upload("still.png", 1000, json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let path = format!("/api/uploads/{id}/complete");
    refused(&t.post(&path, json!({})).await, 400, "not-uploaded");
    let key = up["staging_key"].as_str().unwrap();
    t.state
        .storage
        .put(
            Bucket::Staging,
            key,
            bytes_stream(data(999, 6)),
            Default::default(),
        )
        .await
        .unwrap();
    refused(&t.post(&path, json!({})).await, 400, "size-mismatch");
    assert_eq!(rows(&t.app, "assets"), 0);
    // The client sends the file again, right this time.
    let (status, _) = t.put(&up["url"], data(1000, 6), Some("image/png")).await;
    assert_eq!(status, 200);
    let (status, body) = t.post(&path, json!({})).await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aborted_upload_cannot_be_completed() {
    let t = Ingest::start(&[]).await;
    let bytes = data(12 * MIB, 7);
    let up = t.start_upload("abort.mov", bytes.len(), json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let parts = t.send_parts(&up, &bytes, &[1, 2]).await;
    let del = t
        .call(reqwest::Method::DELETE, &format!("/api/uploads/{id}"), None)
        .await;
    assert_eq!(del.0, 204, "{}", del.1);
    let again = t
        .call(reqwest::Method::DELETE, &format!("/api/uploads/{id}"), None)
        .await;
    assert_eq!(again.0, 204, "aborting twice is fine");
    refused(
        &t.post(
            &format!("/api/uploads/{id}/complete"),
            json!({"parts": parts}),
        )
        .await,
        409,
        "upload-aborted",
    );
    refused(
        &t.post(
            &format!("/api/uploads/{id}/parts"),
            json!({"part_numbers": [1]}),
        )
        .await,
        409,
        "upload-aborted",
    );
    let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
    assert_eq!(state["state"], "aborted");
    let u = t
        .state
        .db
        .run({
            let id = Uuid::parse_str(&id).unwrap();
            move |c| mm::db::models::upload::find_for(c, id, None)
        })
        .await
        .unwrap()
        .unwrap();
    let gone = t
        .state
        .storage
        .list_parts(
            Bucket::Staging,
            &u.staging_key,
            u.storage_upload_id.as_deref().unwrap(),
        )
        .await;
    assert!(
        gone.is_err_and(|e| e.is_not_found()),
        "the parts were removed from storage"
    );
    assert_eq!(rows(&t.app, "assets"), 0);
}

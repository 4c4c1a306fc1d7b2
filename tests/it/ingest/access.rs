//! Who may touch an upload and with what: unknown and foreign upload ids, and local upload
//! URLs that were tampered with or have expired.

use super::{Ingest, refused};
use crate::harness::data;
use mm::storage::Bucket;
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn unknown_upload_ids_are_404_and_malformed_ones_400() {
    let t = Ingest::start(&[]).await;
    let id = Uuid::new_v4();
    refused(
        &t.get(&format!("/api/uploads/{id}")).await,
        404,
        "not-found",
    );
    refused(
        &t.post(
            &format!("/api/uploads/{id}/parts"),
            json!({"part_numbers": [1]}),
        )
        .await,
        404,
        "not-found",
    );
    refused(
        &t.post(&format!("/api/uploads/{id}/complete"), json!({}))
            .await,
        404,
        "not-found",
    );
    refused(
        &t.call(reqwest::Method::DELETE, &format!("/api/uploads/{id}"), None)
            .await,
        404,
        "not-found",
    );
    refused(&t.get("/api/uploads/not-a-uuid").await, 400, "invalid-path");
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_or_expired_local_upload_urls_are_refused() {
    let t = Ingest::start(&[]).await;
    let bytes = data(1000, 8);
    let up = t.start_upload("sig.mov", bytes.len(), json!({})).await;
    let url = up["url"]["url"].as_str().unwrap().to_string();
    let key = up["staging_key"].as_str().unwrap().to_string();
    let tampered = {
        let (head, sig) = url.rsplit_once("Signature=").expect("signed URL");
        let mut sig: Vec<char> = sig.chars().collect();
        sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
        format!("{head}Signature={}", sig.into_iter().collect::<String>())
    };
    let (status, _) = t
        .put(
            &json!({"url": tampered}),
            bytes.clone(),
            Some("video/quicktime"),
        )
        .await;
    assert_eq!(status, 403);
    let other_key = url.replace(&key, &key.replace("sig.mov", "evil.mov"));
    let (status, _) = t
        .put(
            &json!({"url": other_key}),
            bytes.clone(),
            Some("video/quicktime"),
        )
        .await;
    assert_eq!(status, 403);
    let expired = t
        .state
        .storage
        .presign_put(
            Bucket::Staging,
            &key,
            Some("video/quicktime"),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = t
        .app
        .client
        .put(&expired.url)
        .header("content-type", "video/quicktime")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "expired");
    assert!(
        t.state
            .storage
            .list(Bucket::Staging, "staging/")
            .await
            .unwrap()
            .is_empty()
    );
    refused(
        &t.post(
            &format!(
                "/api/uploads/{}/complete",
                up["upload_id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await,
        400,
        "not-uploaded",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn another_users_upload_is_invisible() {
    let t = Ingest::start(&[]).await;
    let up = t.start_upload("mine.mov", 2000, json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let row = t
        .state
        .db
        .run({
            let id = Uuid::parse_str(&id).unwrap();
            move |c| mm::db::models::upload::find_for(c, id, None)
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.owner_id, Some(t.user.id));
    let (_, other) = crate::harness::caller(&t.app, "editor@mm.test", mm::auth::Role::Editor);
    let as_other = |m: reqwest::Method, path: String, body: Option<Value>| {
        let other = other.clone();
        let t = &t;
        async move { t.call_as(&other, m, path, body).await }
    };
    use reqwest::Method as M;
    refused(
        &as_other(M::GET, format!("/api/uploads/{id}"), None).await,
        404,
        "not-found",
    );
    refused(
        &as_other(
            M::POST,
            format!("/api/uploads/{id}/parts"),
            Some(json!({"part_numbers": [1]})),
        )
        .await,
        404,
        "not-found",
    );
    refused(
        &as_other(
            M::POST,
            format!("/api/uploads/{id}/complete"),
            Some(json!({})),
        )
        .await,
        404,
        "not-found",
    );
    refused(
        &as_other(M::DELETE, format!("/api/uploads/{id}"), None).await,
        404,
        "not-found",
    );
    let key = up["staging_key"].as_str().unwrap();
    refused(
        &as_other(M::POST, "/api/presign".into(), Some(json!({"key": key}))).await,
        409,
        "key-in-use",
    );
    refused(
        &as_other(
            M::POST,
            "/api/promote".into(),
            Some(json!({"stagingKey": key})),
        )
        .await,
        404,
        "not-found",
    );
    let (_, mine) = t.get(format!("/api/uploads/{id}")).await;
    assert_eq!(
        mine["state"], "uploading",
        "nothing the other user did changed it"
    );
    let anonymous = t
        .app
        .client
        .get(t.app.url(&format!("/api/uploads/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

//! The original preview status contract: `/api/preview/status` and the SSE
//! `/api/preview/events`, behind sign-in, ready once the master playlist exists.

use crate::harness::{TestApp, seed_token, seed_user};
use futures_util::StreamExt;
use mm::auth::{Permission, Role};
use mm::storage::{self, Bucket, PutOptions};

async fn app_and_token() -> (TestApp, String) {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let user = seed_user(&app, "viewer@mm.test", Role::Viewer);
    let (_, token) = seed_token(&app, &user, &[Permission::AssetsRead], 3600);
    (app, token)
}

async fn put_master_playlist(app: &TestApp, prefix: &str) {
    let storage = storage::open(&app.config()).await.unwrap();
    storage
        .put(
            Bucket::Previews,
            &format!("{prefix}/index.m3u8"),
            storage::bytes_stream("#EXTM3U\n"),
            PutOptions::default(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn status_answers_ready_once_the_master_playlist_exists() {
    let (app, token) = app_and_token().await;
    let get = |q: &str| {
        app.client
            .get(app.url(&format!("/api/preview/status{q}")))
            .bearer_auth(&token)
            .send()
    };
    let anonymous = app
        .client
        .get(app.url("/api/preview/status?prefix=previews/a/b"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    for (q, code) in [
        ("", "missing-prefix"),
        ("?prefix=", "missing-prefix"),
        ("?prefix=masters/a/b", "invalid-prefix"),
        ("?prefix=previews/../masters/x", "invalid-prefix"),
        ("?prefix=previews//x", "invalid-prefix"),
    ] {
        let r = get(q).await.unwrap();
        assert_eq!(r.status(), 400, "{q}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{q}: {body}");
    }
    let prefix = format!("previews/{}/{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let r: serde_json::Value = get(&format!("?prefix={prefix}/"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, serde_json::json!({"ready": false, "prefix": prefix}));
    put_master_playlist(&app, &prefix).await;
    let r: serde_json::Value = get(&format!("?prefix={prefix}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r, serde_json::json!({"ready": true, "prefix": prefix}));
}

#[tokio::test(flavor = "multi_thread")]
async fn events_stream_status_until_the_preview_is_ready() {
    let (app, token) = app_and_token().await;
    let (asset, version) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let prefix = format!("previews/{asset}/{version}");
    let r = app
        .client
        .get(app.url(&format!("/api/preview/events?prefix={prefix}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut body = r.bytes_stream();
    let mut text = String::new();
    // Not ready yet: the first event says so.
    while !text.contains("\"ready\":false") {
        text.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    assert!(text.starts_with("retry: 2000\n\n"), "{text}");
    assert!(
        text.contains("event: status\ndata: {\"ready\":false,"),
        "{text}"
    );
    put_master_playlist(&app, &prefix).await;
    // The preview job announces the version's new status once the playlist is written.
    let config = app.config();
    let redis = mm::redis_pool::Redis::new(
        config.redis_url.as_ref().unwrap(),
        &config.redis_prefix,
        2,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let ready = mm::events::Event::of_version(version, mm::status::VersionStatus::Ready, None);
    mm::events::publish(&redis, asset, &ready).await;
    // Then ready, and the stream ends by itself.
    while let Some(chunk) = body.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    assert!(
        text.trim_end()
            .ends_with(&format!("data: {{\"ready\":true,\"prefix\":\"{prefix}\"}}")),
        "{text}"
    );
}

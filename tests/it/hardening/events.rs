//! Event streams cannot exhaust Redis: however many are open, the process holds one pub/sub
//! connection; an account holds only so many streams; a stream ends within a heartbeat of
//! its session ending.

use crate::harness::{ApiClient, TestApp, exec, new_client, seed_token, seed_user};
use futures_util::StreamExt;
use mm::auth::{Permission, Role as UserRole};
use mm::config::Role;
use std::time::Duration;

/// Longer than one heartbeat (15 s) with room to spare; on the unfixed code the streams
/// here run for 30 minutes.
const HANG: Duration = Duration::from_secs(60);

type Body = futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>;

/// Opens `path` as an event stream and reads until its first event arrived (the stream is
/// subscribed by then).
async fn open(req: reqwest::RequestBuilder) -> (Body, String) {
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream().boxed();
    let mut text = String::new();
    while !text.contains("event: ") {
        let chunk = body.next().await.expect("stream open").unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    (body, text)
}

/// Reads `body` until `needle` shows up.
async fn read_until(body: &mut Body, needle: &str) -> String {
    let mut text = String::new();
    let read = async {
        while !text.contains(needle) {
            let chunk = body.next().await.expect("stream still open").unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(HANG, read)
        .await
        .unwrap_or_else(|_| panic!("never saw {needle:?}"));
    text
}

/// Reads `body` to its end; panics if it is still open after HANG.
async fn read_to_end(body: &mut Body) {
    let read = async { while let Some(Ok(_)) = body.next().await {} };
    tokio::time::timeout(HANG, read)
        .await
        .expect("the stream ended after its session did");
}

fn asset_of(app: &TestApp, owner: uuid::Uuid) -> (String, String) {
    let seeded: std::collections::HashMap<_, _> = crate::ingest::seed_for_matrix(app, owner)
        .into_iter()
        .collect();
    (seeded["{asset}"].clone(), seeded["{version}"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_share_one_redis_connection_and_are_capped() {
    let app = TestApp::builder(Role::Api)
        .env("MM_EVENT_STREAMS_PER_ACCOUNT", "8")
        .spawn()
        .await;
    let user = seed_user(&app, "viewer@mm.test", UserRole::Viewer);
    let (_, token) = seed_token(&app, &user, &[Permission::AssetsRead], 3600);
    let (asset, version) = asset_of(&app, user.id);
    let client = new_client();
    let stream = || {
        client
            .get(app.url(&format!("/api/assets/{asset}/events")))
            .bearer_auth(&token)
    };
    let mut open_streams = Vec::new();
    for _ in 0..6 {
        open_streams.push(open(stream()).await.0);
    }
    let prefix = format!("previews/{asset}/{version}");
    for _ in 0..2 {
        let req = client
            .get(app.url(&format!("/api/preview/events?prefix={prefix}")))
            .bearer_auth(&token);
        open_streams.push(open(req).await.0);
    }

    // Eight streams, one subscriber as far as Redis knows.
    let mut redis = app.redis().await;
    let channel = format!("{}events:asset:{asset}", app.redis_prefix);
    let payload =
        format!(r#"{{"type":"version","version_id":"{version}","status":"probe","error":null}}"#);
    let receivers: i64 = redis::cmd("PUBLISH")
        .arg(&channel)
        .arg(&payload)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(receivers, 1, "Redis delivered to {receivers} connections");
    // And every stream got the event from the one connection.
    for body in open_streams.iter_mut().take(6) {
        read_until(body, "\"status\":\"probe\"").await;
    }

    // The ninth stream of this account is refused, with a reason.
    let r = stream().send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("MM_EVENT_STREAMS_PER_ACCOUNT"),
        "{body}"
    );
    // Another account is not held back by this one.
    let other = seed_user(&app, "other@mm.test", UserRole::Viewer);
    let (_, other_token) = seed_token(&app, &other, &[Permission::AssetsRead], 3600);
    let req = client
        .get(app.url(&format!("/api/assets/{asset}/events")))
        .bearer_auth(&other_token);
    let _other_stream = open(req).await;

    // A stream closed by its page gives its slot back.
    drop(open_streams.pop());
    let reopened = async {
        loop {
            let r = stream().send().await.unwrap();
            if r.status() == 200 {
                return;
            }
            assert_eq!(r.status(), 429);
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    tokio::time::timeout(HANG, reopened)
        .await
        .expect("a closed stream's slot comes back");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_ends_within_a_heartbeat_of_its_session() {
    let app = TestApp::spawn(Role::Api).await;
    let user = seed_user(&app, "ed@mm.test", UserRole::Editor);
    let (asset, _) = asset_of(&app, user.id);
    let path = format!("/api/assets/{asset}/events");

    // Logout ends the browser's stream.
    let browser = ApiClient::login(&app, "ed@mm.test").await;
    let (mut body, _) = open(browser.client.get(app.url(&path))).await;
    let r = browser
        .send(reqwest::Method::POST, "/api/auth/logout", None)
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    read_to_end(&mut body).await;

    // Disabling the account ends a token's stream.
    let (_, token) = seed_token(&app, &user, &[Permission::AssetsRead], 3600);
    let (mut body, _) = open(new_client().get(app.url(&path)).bearer_auth(&token)).await;
    exec(
        &app,
        &format!(
            "UPDATE users SET status = 'disabled' WHERE id = '{}'",
            user.id
        ),
    );
    read_to_end(&mut body).await;
}

//! Decisions per version: the status they give, history, audit, the library filter and sort,
//! a new version starting afresh, a deleted asset refused, and live events on the stream.

use super::{DF_2997, add_version, seed_video};
use crate::harness::{ApiClient, TestApp, count, exec, parts, seed_user};
use futures_util::StreamExt;
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn decisions_set_the_versions_status_and_a_new_version_starts_afresh() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    seed_user(&app, "eve@mm.test", UserRole::Editor);
    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let eve = ApiClient::login(&app, "eve@mm.test").await;
    let (asset, v1) = seed_video(&app, DF_2997);
    let (other, _) = seed_video(&app, DF_2997);
    let decide = |v: uuid::Uuid| format!("/api/versions/{v}/decisions");

    let (_, r) = parts(
        vic.send(Method::GET, &format!("/api/versions/{v1}/review"), None)
            .await,
    )
    .await;
    assert_eq!(r["status"], "none");
    // A first comment puts it in review.
    vic.send(
        Method::POST,
        &format!("/api/assets/{asset}/comments"),
        Some(&json!({"frame": 1, "body": "hm"})),
    )
    .await;
    let (_, a) = parts(
        vic.send(Method::GET, &format!("/api/assets/{asset}"), None)
            .await,
    )
    .await;
    assert_eq!(a["review_status"], "in_review");

    let (s, r) = parts(
        vic.send(
            Method::POST,
            &decide(v1),
            Some(&json!({"decision": "approved", "note": "lovely"})),
        )
        .await,
    )
    .await;
    assert_eq!((s, r["status"].as_str()), (201, Some("approved")), "{r}");
    let (_, r) = parts(
        eve.send(
            Method::POST,
            &decide(v1),
            Some(&json!({"decision": "changes_requested"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (r["status"].as_str(), r["label"].as_str()),
        (Some("changes_requested"), Some("Changes requested"))
    );
    // Eve changes her mind: each reviewer's latest decision counts, the old one is history.
    let (_, r) = parts(
        eve.send(
            Method::POST,
            &decide(v1),
            Some(&json!({"decision": "approved"})),
        )
        .await,
    )
    .await;
    assert_eq!(r["status"], "approved");
    let (_, r) = parts(
        vic.send(Method::GET, &format!("/api/versions/{v1}/review"), None)
            .await,
    )
    .await;
    let ds = r["decisions"].as_array().unwrap();
    assert_eq!(ds.len(), 3);
    assert_eq!(
        (
            ds[0]["author"]["name"].as_str(),
            ds[0]["superseded"].as_bool()
        ),
        (Some("eve"), Some(false))
    );
    assert_eq!(ds[2]["superseded"], true);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'review.decide'"
        ),
        3
    );

    // The library filters and sorts by the current version's status.
    eve.send(
        Method::POST,
        &format!("/api/versions/{}/decisions", other_version(&app, other)),
        Some(&json!({"decision": "changes_requested"})),
    )
    .await;
    let (_, page) = parts(
        vic.send(Method::GET, "/api/assets?review=approved", None)
            .await,
    )
    .await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], asset.to_string());
    let (_, page) = parts(vic.send(Method::GET, "/api/assets?sort=review", None).await).await;
    assert_eq!(page["items"][0]["id"], other.to_string());
    let (s, _) = parts(
        vic.send(Method::GET, "/api/assets?review=maybe", None)
            .await,
    )
    .await;
    assert_eq!(s, 400);

    // A new version starts afresh.
    let v2 = uuid::Uuid::new_v4();
    add_version(&app, asset, v2, 2, DF_2997);
    let (_, a) = parts(
        vic.send(Method::GET, &format!("/api/assets/{asset}"), None)
            .await,
    )
    .await;
    assert_eq!(a["review_status"], "none");
    let (_, r) = parts(
        vic.send(Method::GET, &format!("/api/versions/{v2}/review"), None)
            .await,
    )
    .await;
    assert_eq!(
        (
            r["status"].as_str(),
            r["decisions"].as_array().map(Vec::len)
        ),
        (Some("none"), Some(0))
    );

    // Bad decisions, and decisions on a deleted asset's version: 400, nothing stored.
    let before = count(&app, "SELECT count(*) AS n FROM review_decisions");
    let (s, e) = parts(
        vic.send(
            Method::POST,
            &decide(v2),
            Some(&json!({"decision": "maybe"})),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid-decision")));
    exec(
        &app,
        &format!("UPDATE assets SET deleted_at = now() WHERE id = '{asset}'"),
    );
    let (s, e) = parts(
        vic.send(
            Method::POST,
            &decide(v2),
            Some(&json!({"decision": "approved"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (400, Some("invalid-decision")),
        "{e}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM review_decisions"),
        before
    );
}

fn other_version(app: &TestApp, asset: uuid::Uuid) -> uuid::Uuid {
    let mut c = app.db.conn();
    mm::db::models::asset::find_live(&mut c, asset)
        .unwrap()
        .unwrap()
        .current_version_id
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn comments_and_decisions_arrive_on_the_assets_event_stream() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, version) = seed_video(&app, DF_2997);
    let r = ada
        .client
        .get(app.url(&format!("/api/assets/{asset}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream().boxed();
    let mut text = String::new();
    // Subscribed once the snapshot arrived.
    while !text.contains("event: version") {
        text.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    let (_, c) = parts(
        ada.send(
            Method::POST,
            &format!("/api/assets/{asset}/comments"),
            Some(&json!({"frame": 5, "body": "live"})),
        )
        .await,
    )
    .await;
    ada.send(
        Method::POST,
        &format!("/api/versions/{version}/decisions"),
        Some(&json!({"decision": "approved"})),
    )
    .await;
    let want_comment = format!("\"comment_id\":\"{}\"", c["id"].as_str().unwrap());
    let read = async {
        while !(text.contains(&want_comment) && text.contains("\"status\":\"approved\"")) {
            text.push_str(&String::from_utf8_lossy(
                &body.next().await.unwrap().unwrap(),
            ));
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .unwrap_or_else(|_| panic!("events not seen within 2 s: {text}"));
    assert!(text.contains("event: comment\ndata: {\"type\":\"comment\",\"action\":\"created\""));
    assert!(text.contains("event: review\n"));
    assert!(!text.contains("live"), "no comment body travels in events");
}

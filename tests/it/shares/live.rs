//! What guests write reaches the team live on the asset's event stream, and what they do is
//! kept per link (opened, played, commented, decided) and in the audit log.

use super::{Studio, gsend, guest, identify, share};
use crate::harness::{count, parts};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn guest_comments_and_decisions_reach_the_team_live_and_the_activity() {
    let Studio {
        app,
        ed,
        asset,
        version,
    } = Studio::start().await;
    let (id, token) = share(&ed, json!({"asset_ids": [asset], "permissions": "approve"})).await;
    let r = ed
        .client
        .get(app.url(&format!("/api/assets/{asset}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut body = r.bytes_stream().boxed();
    let mut text = String::new();
    while !text.contains("event: version") {
        text.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    let g = guest();
    let page = g.get(app.url(&format!("/r/{token}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    identify(&app, &g, &token, "Gus").await;
    let (s, c) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        &format!("/assets/{asset}/comments"),
        Some(json!({"frame": 5, "body": "guest note"})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        &format!("/versions/{version}/decisions"),
        Some(json!({"decision": "approved"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        "/activity",
        Some(json!({"asset_id": asset})),
    )
    .await;
    assert_eq!(s, 204);
    let want = format!("\"comment_id\":\"{}\"", c["id"].as_str().unwrap());
    let read = async {
        while !(text.contains(&want) && text.contains("\"status\":\"approved\"")) {
            text.push_str(&String::from_utf8_lossy(
                &body.next().await.unwrap().unwrap(),
            ));
        }
    };
    tokio::time::timeout(Duration::from_secs(2), read)
        .await
        .unwrap_or_else(|_| panic!("guest events not seen within 2 s: {text}"));

    let (s, a) = parts(
        ed.send(Method::GET, &format!("/api/shares/{id}/activity"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{a}");
    let actions: Vec<&str> = a["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["played", "decided", "commented", "opened"], "{a}");
    assert_eq!(a["activity"][0]["guest_email"], "gus@client.test");
    assert_eq!(a["activity"][1]["guest_name"], "Gus");
    // Opened again, now named: kept once with the name; soon after again: not kept.
    g.get(app.url(&format!("/r/{token}"))).send().await.unwrap();
    g.get(app.url(&format!("/r/{token}"))).send().await.unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM share_activity WHERE action = 'opened'"
        ),
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM share_activity WHERE action = 'opened' AND guest_name = 'Gus'"
        ),
        1
    );
    for action in ["share.played", "share.commented", "share.decided"] {
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND target_id = '{id}'"
                )
            ),
            1,
            "{action}"
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'share.decided' AND actor_label LIKE 'guest:gus@client.test%'"
        ),
        1
    );
}

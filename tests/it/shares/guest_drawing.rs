//! A guest reads one comment with its drawing through the link (the list leaves drawings out),
//! and nothing else: a team-only comment, another asset's comment, a deleted one or an unknown
//! id is unknown to the link.

use super::{Studio, gsend, guest, share};
use crate::harness::{ApiClient, parts};
use crate::review::{DF_2997, seed_video};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

async fn post(ed: &ApiClient, asset: Uuid, body: Value) -> String {
    let path = format!("/api/assets/{asset}/comments");
    let (s, c) = parts(ed.send(Method::POST, &path, Some(&body)).await).await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_reads_a_shared_comments_drawing_and_no_other_comment() {
    let Studio { app, ed, asset, .. } = Studio::start().await;
    let (other, _) = seed_video(&app, DF_2997);
    let line = json!({"tool": "line", "color": "#ff3b30", "width": 0.004, "from": [0.1, 0.2], "to": [0.7, 0.2]});
    let drawn = json!({"shapes": [line]});
    let open = post(
        &ed,
        asset,
        json!({"frame": 5, "body": "circle this", "visibility": "everyone", "drawing": drawn}),
    )
    .await;
    let team = post(
        &ed,
        asset,
        json!({"frame": 6, "body": "TEAM-ONLY", "visibility": "team", "drawing": drawn}),
    )
    .await;
    let elsewhere = post(
        &ed,
        other,
        json!({"frame": 7, "body": "other asset", "visibility": "everyone"}),
    )
    .await;
    let gone = post(
        &ed,
        asset,
        json!({"frame": 8, "body": "soon deleted", "visibility": "everyone"}),
    )
    .await;
    let (s, _) = parts(
        ed.send(Method::DELETE, &format!("/api/comments/{gone}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 204);
    let (_, token) = share(&ed, json!({"asset_ids": [asset]})).await;
    let g = guest();

    let (s, list) = gsend(
        &app,
        &g,
        Method::GET,
        &token,
        &format!("/assets/{asset}/comments"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{list}");
    let first = &list["comments"][0];
    assert_eq!(first["id"], open);
    assert_eq!(first["has_drawing"], true);
    assert!(
        first.get("drawing").is_none_or(Value::is_null),
        "the list leaves drawings out: {first}"
    );

    let (s, one) = gsend(
        &app,
        &g,
        Method::GET,
        &token,
        &format!("/comments/{open}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one["drawing"], drawn);
    assert_eq!(
        one["author"]["id"],
        Value::Null,
        "no ids reach a guest: {one}"
    );

    for id in [team, elsewhere, gone, Uuid::new_v4().to_string()] {
        let (s, e) = gsend(
            &app,
            &g,
            Method::GET,
            &token,
            &format!("/comments/{id}"),
            None,
        )
        .await;
        assert_eq!(s, 404, "{id}: {e}");
        assert!(e["code"].is_string(), "{e}");
        assert!(!e.to_string().contains("TEAM-ONLY"), "{e}");
    }
    let (s, _) = gsend(&app, &g, Method::GET, &token, "/comments/not-a-uuid", None).await;
    assert!((400..500).contains(&s), "{s}");
}

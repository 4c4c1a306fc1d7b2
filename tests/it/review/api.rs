//! The comments API: frames and timecodes, threads, edits, resolve, deletes per role, and
//! every bad input answered 400 with nothing stored.

use super::{DF_2997, NDF_25, seed_video};
use crate::harness::{ApiClient, TestApp, count, parts, seed_user};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn comments_carry_frames_and_timecodes_from_the_masters_start() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Viewer);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, version) = seed_video(&app, DF_2997);
    let path = format!("/api/assets/{asset}/comments");
    let (s, c) = parts(
        ada.send(
            Method::POST,
            &path,
            Some(&json!({"frame": 1800, "frame_end": 1830, "body": "logo early @grace"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["version_id"], version.to_string());
    assert_eq!(c["timecode"], "01:01:00;02");
    assert_eq!(c["frame_end"], 1830);
    assert_eq!(c["mentions"], json!(["grace"]));
    assert_eq!(c["author"]["name"], "ada");
    assert!((c["seconds"].as_f64().unwrap() - 1800.0 * 1001.0 / 30000.0).abs() < 1e-9);
    assert_eq!(c["can_edit"], true);

    let (s, list) = parts(ada.send(Method::GET, &path, None).await).await;
    assert_eq!(s, 200);
    assert_eq!(list["frame_rate"], "30000/1001");
    assert_eq!(list["start_timecode"], "01:00:00;00");
    assert_eq!(list["drop_frame"], true);
    assert_eq!(list["comments"][0]["id"], c["id"]);

    // A 25 fps master at 01:00:00:00: frame 307 is 01:00:12:07.
    let (asset25, _) = seed_video(&app, NDF_25);
    let (_, c25) = parts(
        ada.send(
            Method::POST,
            &format!("/api/assets/{asset25}/comments"),
            Some(&json!({"frame": 307, "body": "there"})),
        )
        .await,
    )
    .await;
    assert_eq!(c25["timecode"], "01:00:12:07");
    // Seconds become the frame on screen at that time.
    let (_, cs) = parts(
        ada.send(
            Method::POST,
            &format!("/api/assets/{asset25}/comments"),
            Some(&json!({"seconds": 2.0, "body": "t"})),
        )
        .await,
    )
    .await;
    assert_eq!(cs["frame"], 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_resolve_edit_and_delete_follow_the_rules() {
    let app = TestApp::spawn(Role::Api).await;
    for (e, r) in [
        ("ada@mm.test", UserRole::Editor),
        ("bob@mm.test", UserRole::Viewer),
        ("max@mm.test", UserRole::Manager),
    ] {
        seed_user(&app, e, r);
    }
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let bob = ApiClient::login(&app, "bob@mm.test").await;
    let max = ApiClient::login(&app, "max@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
    let path = format!("/api/assets/{asset}/comments");
    let (_, top) = parts(
        ada.send(
            Method::POST,
            &path,
            Some(&json!({"frame": 10, "body": "top"})),
        )
        .await,
    )
    .await;
    let id = top["id"].as_str().unwrap().to_string();
    // A reply sits at its parent's frame, whatever it says.
    let (s, reply) = parts(
        bob.send(
            Method::POST,
            &path,
            Some(&json!({"frame": 99, "parent_id": id, "body": "agreed"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{reply}");
    assert_eq!(reply["frame"], 10);
    // One level deep: no reply to a reply.
    let (s, e) = parts(
        bob.send(
            Method::POST,
            &path,
            Some(&json!({"parent_id": reply["id"], "body": "x"})),
        )
        .await,
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid-parent")));

    let (_, list) = parts(ada.send(Method::GET, &path, None).await).await;
    assert_eq!(list["comments"].as_array().unwrap().len(), 1);
    assert_eq!(list["comments"][0]["replies"][0]["body"], "agreed");

    // Only the author edits.
    let c = format!("/api/comments/{id}");
    let (s, _) = parts(
        bob.send(Method::PATCH, &c, Some(&json!({"body": "mine now"})))
            .await,
    )
    .await;
    assert_eq!(s, 403);
    let (s, edited) = parts(
        ada.send(Method::PATCH, &c, Some(&json!({"body": "top, edited"})))
            .await,
    )
    .await;
    assert_eq!((s, edited["edited"].as_bool()), (200, Some(true)));

    // Anyone who writes may resolve and reopen.
    let (s, r) = parts(bob.send(Method::POST, &format!("{c}/resolve"), None).await).await;
    assert_eq!((s, r["resolved"].as_bool()), (200, Some(true)));
    assert_eq!(r["resolved_by"]["name"], "bob");
    let (_, open) = parts(
        ada.send(Method::GET, &format!("{path}?resolved=false"), None)
            .await,
    )
    .await;
    assert!(open["comments"].as_array().unwrap().is_empty());
    let (s, r) = parts(ada.send(Method::POST, &format!("{c}/reopen"), None).await).await;
    assert_eq!((s, r["resolved"].as_bool()), (200, Some(false)));

    // Bob may not delete Ada's comment; the manager may; it stays, emptied, for its replies.
    let (s, _) = parts(bob.send(Method::DELETE, &c, None).await).await;
    assert_eq!(s, 403);
    let (s, _) = parts(max.send(Method::DELETE, &c, None).await).await;
    assert_eq!(s, 204);
    let (_, list) = parts(bob.send(Method::GET, &path, None).await).await;
    let gone = &list["comments"][0];
    assert_eq!(
        (gone["deleted"].as_bool(), gone["body"].as_str()),
        (Some(true), Some(""))
    );
    assert_eq!(gone["replies"][0]["body"], "agreed");
    assert_eq!(gone["can_delete"], false);
    // Bob deletes his own reply.
    let rid = reply["id"].as_str().unwrap();
    let (s, _) = parts(
        bob.send(Method::DELETE, &format!("/api/comments/{rid}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = parts(
        ada.send(Method::PATCH, &c, Some(&json!({"body": "back"})))
            .await,
    )
    .await;
    assert_eq!(s, 404, "a deleted comment is not edited");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_input_is_a_400_and_stores_nothing() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
    let (other_asset, other_version) = seed_video(&app, DF_2997);
    let path = format!("/api/assets/{asset}/comments");
    let (_, foreign) = parts(
        ada.send(
            Method::POST,
            &format!("/api/assets/{other_asset}/comments"),
            Some(&json!({"body": "elsewhere"})),
        )
        .await,
    )
    .await;
    let line = |to: f64| json!({"tool": "line", "color": "#ff3b30", "width": 0.004, "from": [0, 0], "to": [to, 0]});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"frame": 2998, "body": "past the end"}),
            "invalid-frame",
        ),
        (json!({"frame": -1, "body": "before"}), "invalid-frame"),
        (json!({"seconds": 1e300, "body": "far"}), "invalid-frame"),
        (
            json!({"frame": 20, "frame_end": 10, "body": "backwards"}),
            "invalid-range",
        ),
        (
            json!({"frame_end": 10, "body": "no start"}),
            "invalid-range",
        ),
        (json!({"frame": 1, "body": "  \n "}), "empty-body"),
        (
            json!({"frame": 1, "body": "x".repeat(5001)}),
            "body-too-long",
        ),
        (
            json!({"frame": 1, "body": "d", "drawing": {"shapes": [line(1.5)]}}),
            "invalid-drawing",
        ),
        (
            json!({"frame": 1, "body": "d", "drawing": {"shapes": vec![line(0.5); 501]}}),
            "invalid-drawing",
        ),
        (
            json!({"frame": 1, "body": "d", "drawing": {"shapes": [{"tool": "laser"}]}}),
            "invalid-drawing",
        ),
        (
            json!({"frame": 1, "body": "d", "drawing": {"shapes": [{"tool": "text", "color": "#ffffff", "size": 0.03, "at": [0.5, 0.5], "text": "y".repeat(70_000)}]}}),
            "invalid-drawing",
        ),
        (
            json!({"frame": 1, "body": "d", "drawing": "circle"}),
            "invalid-drawing",
        ),
        (
            json!({"body": "r", "parent_id": foreign["id"]}),
            "invalid-parent",
        ),
        (
            json!({"body": "r", "parent_id": uuid::Uuid::new_v4()}),
            "invalid-parent",
        ),
    ];
    for (body, code) in &cases {
        let (s, e) = parts(ada.send(Method::POST, &path, Some(body)).await).await;
        assert_eq!((s, e["code"].as_str()), (400, Some(*code)), "{body}: {e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A version of another asset is not this asset's.
    let (s, _) = parts(
        ada.send(
            Method::POST,
            &path,
            Some(&json!({"body": "x", "version_id": other_version})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM comments WHERE asset_id = '{asset}'")
        ),
        0
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM review_decisions"), 0);
}

/// The page's player clock (`data-frame-rate`, `data-start-timecode`) and the comments API
/// count with the same rate and start, so the frame named on screen is the frame stored: a
/// variable-rate phone clip (timebase 90000/1, average 30000/1001) without a timecode.
#[tokio::test(flavor = "multi_thread")]
async fn the_page_and_the_api_share_one_clock() {
    let app = TestApp::spawn(Role::All).await;
    seed_user(&app, "ada@mm.test", UserRole::Viewer);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(
        &app,
        r#"{"duration": 10.0, "video": {"r_frame_rate": "90000/1", "avg_frame_rate": "30000/1001", "vfr": true}}"#,
    );
    let (s, list) = parts(
        ada.send(Method::GET, &format!("/api/assets/{asset}/comments"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["frame_rate"], "30000/1001");
    assert_eq!(list["start_timecode"], "00:00:00;00");
    let html = ada
        .send(Method::GET, &format!("/assets/{asset}"), None)
        .await
        .text()
        .await
        .unwrap();
    let attr = |name: &str| {
        let at = html
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the page"));
        let rest = &html[at + name.len() + 2..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    assert_eq!(attr("data-frame-rate"), "30000/1001");
    assert_eq!(attr("data-start-timecode"), "00:00:00;00");
}

/// ffprobe's duration of a 310-frame 29.97 clip, rounded up to the microsecond, still ends at
/// frame 309.
#[tokio::test(flavor = "multi_thread")]
async fn the_last_frame_survives_a_rounded_up_duration() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(
        &app,
        r#"{"duration": 10.343667, "video": {"r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001"}}"#,
    );
    let path = format!("/api/assets/{asset}/comments");
    let post = |frame: i64| json!({"frame": frame, "body": format!("at {frame}")});
    let (s, body) = parts(ada.send(Method::POST, &path, Some(&post(310))).await).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (400, Some("invalid-frame")),
        "{body}"
    );
    let (s, body) = parts(ada.send(Method::POST, &path, Some(&post(309))).await).await;
    assert_eq!(s, 201, "{body}");
}

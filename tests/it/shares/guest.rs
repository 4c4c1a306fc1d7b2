//! The guest's API by permission: only the shared asset and version, only comments visible to
//! everyone (no ids, no emails), comment and decide only when the link allows it, each refusal
//! with nothing stored.

use super::{Studio, gsend, guest, identify, share};
use crate::harness::TestApp;
use crate::harness::{count, parts};
use crate::review::{DF_2997, add_version, seed_video};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_sees_only_the_shared_version_and_comments_for_everyone() {
    let Studio {
        app,
        ed,
        asset,
        version: v1,
    } = Studio::start().await;
    let (other, _) = seed_video(&app, DF_2997);
    let post = |body: serde_json::Value| {
        let ed = &ed;
        async move {
            let (s, c) = parts(
                ed.send(
                    Method::POST,
                    &format!("/api/assets/{asset}/comments"),
                    Some(&body),
                )
                .await,
            )
            .await;
            assert_eq!(s, 201, "{c}");
            c["id"].as_str().unwrap().to_string()
        }
    };
    let open = post(json!({"frame": 10, "body": "for the client", "visibility": "everyone"})).await;
    let secret =
        post(json!({"frame": 20, "body": "TEAM-ONLY budget talk", "visibility": "team"})).await;
    post(json!({"parent_id": open, "body": "TEAM-ONLY reply", "visibility": "team"})).await;
    post(json!({"parent_id": open, "body": "open reply", "visibility": "everyone"})).await;
    let (_, token) = share(&ed, json!({"asset_ids": [asset], "version": "pinned"})).await;
    // A newer version after the link was made: a pinned link keeps showing v1.
    let v2 = Uuid::new_v4();
    add_version(&app, asset, v2, 2, DF_2997);

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
    assert_eq!(list["version_id"], v1.to_string());
    let text = list.to_string();
    assert!(
        text.contains("for the client") && text.contains("open reply"),
        "{text}"
    );
    assert!(
        !text.contains("TEAM-ONLY") && !text.contains(&secret),
        "team-only never reaches a guest: {text}"
    );
    assert!(
        !text.contains("@mm.test") && !text.contains(&ed.user["id"].as_str().unwrap().to_string()),
        "no emails, no ids: {text}"
    );
    assert_eq!(list["comments"].as_array().unwrap().len(), 1);
    assert_eq!(list["comments"][0]["can_edit"], false);

    let (s, sum) = gsend(&app, &g, Method::GET, &token, "/share", None).await;
    assert_eq!(s, 200);
    assert_eq!(sum["assets"][0]["version_id"], v1.to_string());
    assert_eq!(sum["assets"][0]["versions"], json!([v1]));
    assert!(!sum.to_string().contains(&other.to_string()));

    // Another asset's id, another version, or a made-up id: 404 on every guest route.
    let unknown = Uuid::new_v4();
    for (m, rest, body) in [
        (Method::GET, format!("/assets/{other}/comments"), None),
        (
            Method::POST,
            format!("/assets/{other}/comments"),
            Some(json!({"frame": 1, "body": "x"})),
        ),
        (
            Method::POST,
            format!("/assets/{other}/sign"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/assets/{other}/download?kind=proxy"),
            None,
        ),
        (Method::GET, format!("/assets/{unknown}/comments"), None),
        (
            Method::GET,
            format!("/assets/{asset}/comments?version_id={v2}"),
            None,
        ),
        (
            Method::POST,
            format!("/assets/{asset}/sign"),
            Some(json!({"version_id": v2})),
        ),
        (Method::GET, format!("/versions/{v2}/review"), None),
        (
            Method::POST,
            format!("/versions/{v2}/decisions"),
            Some(json!({"decision": "approved"})),
        ),
        (Method::GET, format!("/versions/{unknown}/review"), None),
        (
            Method::POST,
            "/activity".to_string(),
            Some(json!({"asset_id": other})),
        ),
    ] {
        let (s, b) = gsend(&app, &g, m.clone(), &token, &rest, body).await;
        assert_eq!(s, 404, "{m} {rest}: {b}");
        assert!(
            b["code"].is_string() && b["message"].is_string(),
            "{rest}: {b}"
        );
    }
    let page = g
        .get(app.url(&format!("/r/{token}?asset={other}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    let page = g
        .get(app.url(&format!("/r/{token}?asset={asset}&version={v2}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);

    // With show_versions, every version of the shared asset (and still no other asset).
    let (_, all) = share(&ed, json!({"asset_ids": [asset], "show_versions": true})).await;
    let (s, l2) = gsend(
        &app,
        &g,
        Method::GET,
        &all,
        &format!("/assets/{asset}/comments?version_id={v1}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{l2}");
    let (s, sum) = gsend(&app, &g, Method::GET, &all, "/share", None).await;
    assert_eq!(s, 200);
    assert_eq!(
        sum["assets"][0]["version_id"],
        v2.to_string(),
        "current: the newest"
    );
    assert_eq!(sum["assets"][0]["versions"].as_array().unwrap().len(), 2);
    let (s, _) = gsend(
        &app,
        &g,
        Method::GET,
        &all,
        &format!("/assets/{other}/comments"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    // The page renders the player, no studio navigation, and no email.
    let html = g.get(app.url(&format!("/r/{all}"))).send().await.unwrap();
    assert_eq!(html.status(), 200);
    assert_eq!(html.headers()["referrer-policy"], "no-referrer");
    let html = html.text().await.unwrap();
    assert!(
        html.contains("data-player")
            && !html.contains("href=\"/upload\"")
            && !html.contains("@mm.test")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_permission_allows_what_it_says_and_refuses_the_rest_with_nothing_stored() {
    let Studio {
        app,
        ed,
        asset,
        version,
    } = Studio::start().await;
    let comment = json!({"frame": 30, "body": "logo too big"});
    let decision = json!({"decision": "approved"});
    let comments = format!("/assets/{asset}/comments");
    let decisions = format!("/versions/{version}/decisions");
    let stored = |app: &TestApp| {
        (
            count(app, "SELECT count(*) AS n FROM comments"),
            count(app, "SELECT count(*) AS n FROM review_decisions"),
        )
    };

    // view: reads, never writes.
    let (_, view) = share(&ed, json!({"asset_ids": [asset], "permissions": "view"})).await;
    let g = guest();
    identify(&app, &g, &view, "Vera").await;
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &view,
        &comments,
        Some(comment.clone()),
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (403, Some("forbidden")), "{b}");
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &view,
        &decisions,
        Some(decision.clone()),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = gsend(
        &app,
        &g,
        Method::GET,
        &view,
        &format!("/versions/{version}/review"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(stored(&app), (0, 0));

    // comment: comments once named; decisions refused.
    let (_, talk) = share(&ed, json!({"asset_ids": [asset], "permissions": "comment"})).await;
    let g = guest();
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &talk,
        &comments,
        Some(comment.clone()),
    )
    .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (403, Some("guest-identity-required")),
        "{b}"
    );
    for (body, code) in [
        (
            json!({"name": "", "email": "c@client.test"}),
            "invalid-name",
        ),
        (
            json!({"name": "x".repeat(101), "email": "c@client.test"}),
            "invalid-name",
        ),
        (
            json!({"name": "Cleo", "email": "not-an-email"}),
            "invalid-email",
        ),
        (
            json!({"name": "Cleo", "email": format!("{}@client.test", "x".repeat(250))}),
            "invalid-email",
        ),
        (
            json!({"name": "Cleo", "email": "<b>@x.test"}),
            "invalid-email",
        ),
        (
            json!({"name": "Cleo", "email": "c@client.test", "role": "admin"}),
            "invalid-json",
        ),
    ] {
        let (s, b) = gsend(&app, &g, Method::POST, &talk, "/guest", Some(body.clone())).await;
        assert_eq!(
            (s, b["code"].as_str().unwrap_or_default()),
            (400, code),
            "{body}: {b}"
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM share_guests WHERE name IS NOT NULL"
        ),
        1,
        "only Vera"
    );
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &talk,
        "/guest",
        Some(json!({"name": " <i>Cleo</i> ", "email": "cleo@client.test"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["name"], "<i>Cleo</i>");
    for (body, code) in [
        (json!({"frame": 30, "body": ""}), "empty-body"),
        (
            json!({"frame": 30, "body": "x", "visibility": "team"}),
            "invalid-visibility",
        ),
        (json!({"frame": 999_999, "body": "x"}), "invalid-frame"),
        (
            json!({"frame": 30, "body": "x", "drawing": {"shapes": "no"}}),
            "invalid-drawing",
        ),
        (
            json!({"parent_id": Uuid::new_v4(), "body": "x"}),
            "invalid-parent",
        ),
    ] {
        let (s, b) = gsend(&app, &g, Method::POST, &talk, &comments, Some(body.clone())).await;
        assert_eq!(
            (s, b["code"].as_str().unwrap_or_default()),
            (400, code),
            "{body}: {b}"
        );
    }
    assert_eq!(stored(&app), (0, 0));
    let (s, c) = gsend(
        &app,
        &g,
        Method::POST,
        &talk,
        &comments,
        Some(comment.clone()),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        c["author"],
        json!({"id": null, "name": "<i>Cleo</i>", "guest": true})
    );
    assert_eq!(c["visibility"], "everyone");
    assert_eq!(c["timecode"], "01:00:01;00");
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &talk,
        &decisions,
        Some(decision.clone()),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(stored(&app), (1, 0));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM comments c JOIN share_guests g ON g.id = c.guest_id WHERE g.email = 'cleo@client.test' AND c.author_id IS NULL"
        ),
        1
    );

    // approve: decides; the status follows; bad decisions refused.
    let (_, yes) = share(&ed, json!({"asset_ids": [asset], "permissions": "approve"})).await;
    let g = guest();
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &yes,
        &decisions,
        Some(decision.clone()),
    )
    .await;
    assert_eq!(s, 403, "a name first");
    identify(&app, &g, &yes, "Dora").await;
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &yes,
        &decisions,
        Some(json!({"decision": "maybe"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(stored(&app), (1, 0));
    let (s, r) = gsend(
        &app,
        &g,
        Method::POST,
        &yes,
        &decisions,
        Some(json!({"decision": "changes_requested", "note": "darker"})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["review"]["status"], "changes_requested");
    assert_eq!(
        r["review"]["decisions"][0]["author"],
        json!({"id": null, "name": "Dora", "guest": true})
    );

    // The team sees both, marked as guests.
    let (_, team) = parts(
        ed.send(Method::GET, &format!("/api/assets/{asset}/comments"), None)
            .await,
    )
    .await;
    assert_eq!(team["comments"][0]["author"]["guest"], true);
    let (_, rv) = parts(
        ed.send(
            Method::GET,
            &format!("/api/versions/{version}/review"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(rv["status"], "changes_requested");
    assert_eq!(rv["decisions"][0]["author"]["guest"], true);
    assert_eq!(rv["decisions"][0]["author"]["name"], "Dora");
}

//! The comment list's bounds: pages of whole threads up to `limit` rows, a `next` cursor that
//! walks every comment once in order, drawings left out of the list (and served by
//! `GET /api/comments/{id}`), and the per-version and per-thread caps counted under the asset's
//! lock, so comments posted at once cannot pass them.

use super::export::bulk_comments;
use super::{NDF_25, seed_video};
use crate::harness::TestApp;
use crate::harness::{ApiClient, count, exec, parts, seed_user};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::{Value, json};

async fn get(who: &ApiClient, path: &str) -> (u16, Value, usize) {
    let r = who.send(Method::GET, path, None).await;
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text.len(),
    )
}

/// Every comment of the asset's current version, page by page: (ids in order, pages).
async fn walk(who: &ApiClient, asset: uuid::Uuid, limit: &str) -> (Vec<Value>, usize) {
    let (mut all, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let mut path = format!("/api/assets/{asset}/comments?{limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (s, page, _) = get(who, &path).await;
        assert_eq!(s, 200, "{page}");
        pages += 1;
        all.extend(page["comments"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
        assert!(pages < 100, "the cursor never ends");
    }
    (all, pages)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_comes_in_bounded_pages_by_cursor_with_drawings_left_out() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Viewer);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(&app, NDF_25);
    bulk_comments(&app, asset, 450);
    // 100 drawings of about 60 KiB each: inline, the first page would be 6 MB.
    exec(
        &app,
        &format!(
            "UPDATE comments SET drawing = jsonb_build_object('shapes', jsonb_build_array(\
             jsonb_build_object('tool', 'text', 'color', '#ffffff', 'size', 0.03, 'at', \
             jsonb_build_array(0.5, 0.5), 'text', repeat('y', 60000)))) \
             WHERE asset_id = '{asset}' AND frame < 300"
        ),
    );
    let path = format!("/api/assets/{asset}/comments");
    let (s, first, bytes) = get(&ada, &path).await;
    assert_eq!(s, 200);
    let listed = first["comments"].as_array().unwrap();
    assert_eq!(listed.len(), 200, "the default page is 200 rows");
    assert!(
        bytes < 300_000,
        "a page of 200 drawn comments is {bytes} bytes"
    );
    assert!(first["next"].is_string());
    let drawn = &listed[0];
    assert_eq!(drawn["has_drawing"], true);
    assert!(drawn.get("drawing").is_none(), "{drawn}");
    assert_eq!(listed[199]["has_drawing"], false);
    // The drawing itself comes with the comment.
    let (s, one, _) = get(
        &ada,
        &format!("/api/comments/{}", drawn["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(
        one["drawing"]["shapes"][0]["text"].as_str().unwrap().len(),
        60_000
    );
    assert_eq!(
        (one["frame"].as_i64(), one["timecode"].as_str()),
        (Some(0), Some("01:00:00:00"))
    );

    // The cursor walks every comment once, in order, at any page size.
    for (limit, want_pages) in [("limit=500", 1), ("limit=200", 3), ("limit=7", 65)] {
        let (all, pages) = walk(&ada, asset, limit).await;
        assert_eq!(pages, want_pages, "{limit}");
        let frames: Vec<i64> = all.iter().map(|c| c["frame"].as_i64().unwrap()).collect();
        assert_eq!(
            frames,
            (0..450).map(|i| 3 * i).collect::<Vec<_>>(),
            "{limit}"
        );
    }

    // Bad pages are refused.
    for (q, code) in [
        ("limit=0", "invalid-limit"),
        ("limit=501", "invalid-limit"),
        ("limit=many", "invalid-query"),
        ("cursor=garbage", "invalid-cursor"),
        ("cursor=1.2.3", "invalid-cursor"),
        ("page=2", "invalid-query"),
    ] {
        let (s, e, _) = get(&ada, &format!("{path}?{q}")).await;
        assert_eq!((s, e["code"].as_str()), (400, Some(code)), "{q}: {e}");
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (s, _, _) = get(&ada, "/api/comments/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_never_splits_a_thread_and_resolved_filters_the_pages() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(&app, NDF_25);
    let path = format!("/api/assets/{asset}/comments");
    let mut ids = Vec::new();
    for frame in [10, 20, 30] {
        let (s, c) = parts(
            ada.send(
                Method::POST,
                &path,
                Some(&json!({"frame": frame, "body": "top"})),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{c}");
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    for n in 0..3 {
        let body = json!({"parent_id": ids[0], "body": format!("reply {n}")});
        let (s, _) = parts(ada.send(Method::POST, &path, Some(&body)).await).await;
        assert_eq!(s, 201);
    }
    // The first thread is 4 rows: with limit 2 it comes whole and alone.
    let (_, p1, _) = get(&ada, &format!("{path}?limit=2")).await;
    assert_eq!(p1["comments"].as_array().unwrap().len(), 1);
    assert_eq!(p1["comments"][0]["replies"].as_array().unwrap().len(), 3);
    let next = p1["next"].as_str().unwrap();
    let (_, p2, _) = get(&ada, &format!("{path}?limit=2&cursor={next}")).await;
    let frames: Vec<i64> = p2["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["frame"].as_i64().unwrap())
        .collect();
    assert_eq!(frames, [20, 30]);
    assert!(p2["next"].is_null());

    let (s, _) = parts(
        ada.send(
            Method::POST,
            &format!("/api/comments/{}/resolve", ids[1]),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (_, open, _) = get(&ada, &format!("{path}?resolved=false&limit=1")).await;
    assert_eq!(open["comments"][0]["id"], ids[0].as_str());
    let next = open["next"].as_str().unwrap();
    let (_, rest, _) = get(
        &ada,
        &format!("{path}?resolved=false&limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(rest["comments"][0]["id"], ids[2].as_str());
    assert!(rest["next"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_caps_hold_when_comments_are_posted_at_once() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, version) = seed_video(&app, NDF_25);
    bulk_comments(&app, asset, 4990);
    let path = format!("/api/assets/{asset}/comments");
    // 20 at once for the last 10 places: exactly 10 get in.
    let posts = (0..20).map(|i| {
        let (ada, path) = (&ada, &path);
        async move {
            parts(
                ada.send(
                    Method::POST,
                    path,
                    Some(&json!({"frame": i, "body": "late"})),
                )
                .await,
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(posts).await;
    let made = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(made, 10, "{answers:?}");
    for (s, e) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(
            (*s, e["code"].as_str()),
            (400, Some("too-many-comments")),
            "{e}"
        );
        assert!(e["message"].as_str().unwrap().contains("5000"));
    }
    let stored = count(
        &app,
        &format!("SELECT count(*) AS n FROM comments WHERE version_id = '{version}'"),
    );
    assert_eq!(stored, 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_takes_at_most_200_replies() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, version) = seed_video(&app, NDF_25);
    let path = format!("/api/assets/{asset}/comments");
    let (_, top) = parts(
        ada.send(
            Method::POST,
            &path,
            Some(&json!({"frame": 5, "body": "top"})),
        )
        .await,
    )
    .await;
    let id = top["id"].as_str().unwrap();
    exec(
        &app,
        &format!(
            "INSERT INTO comments (id, asset_id, version_id, parent_id, frame, body, author_name) \
             SELECT gen_random_uuid(), '{asset}', '{version}', '{id}', 5, 'r' || i, 'bulk' \
             FROM generate_series(1, 199) i"
        ),
    );
    let reply = json!({"parent_id": id, "body": "one more"});
    let (s, _) = parts(ada.send(Method::POST, &path, Some(&reply)).await).await;
    assert_eq!(s, 201);
    let (s, e) = parts(ada.send(Method::POST, &path, Some(&reply)).await).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (400, Some("too-many-replies")),
        "{e}"
    );
    let n = count(
        &app,
        &format!("SELECT count(*) AS n FROM comments WHERE parent_id = '{id}'"),
    );
    assert_eq!(n, 200);
}

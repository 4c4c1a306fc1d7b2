//! A still image through a link: the guest's page shows the picture (signed on the edge for
//! that version only, for at most 15 minutes) with the comment panel and its drawing tools,
//! under the watermark when the link has one; the guest comments on it at no time with a
//! drawing, and a time on an image is refused with nothing stored.

use super::{gsend, guest, identify};
use crate::harness::count;
use crate::ingest::Ingest;
use crate::preview::job::{PREVIEW_ENV, id, preview_job};
use crate::review::still::picture;
use reqwest::Method;
use serde_json::json;

/// The `src` of the page's still.
fn still_src(html: &str) -> String {
    let at = html
        .find("data-still src=\"")
        .expect("the page shows the still")
        + 16;
    html[at..at + html[at..].find('"').unwrap()].replace("&#x2f;", "/")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_sees_a_shared_image_and_comments_on_it_with_a_drawing() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    let png = picture(dir.path(), "board.png", 640, 360);
    let done = t
        .upload("board.png", &std::fs::read(&png).unwrap(), json!({}))
        .await;
    let (asset, version) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset, |j| j.state == "succeeded" || j.state == "failed").await;
    assert_eq!(job.state, "succeeded", "{job:?}");
    let link = |body: serde_json::Value| {
        let t = &t;
        async move {
            let (s, b) = t.post("/api/shares", body).await;
            assert_eq!(s, 201, "{b}");
            b["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        }
    };
    let token = link(json!({"asset_ids": [asset], "permissions": "comment"})).await;

    let g = guest();
    let r = g
        .get(t.app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(!html.contains("<video"), "no player for an image");
    assert!(html.contains("data-comments-panel") && html.contains("data-draw-toggle"));
    assert!(html.contains("data-review-panel"), "{html}");
    assert!(html.contains("this image"));
    let src = still_src(&html);
    assert!(src.ends_with("/poster.jpg"), "{src}");
    // Signed for this version's previews only, for at most 15 minutes.
    let tok = src.split("/s/").nth(1).unwrap().split('/').next().unwrap();
    let now = mm::signing::now();
    let grant = crate::edge::signer_of(&t.app).verify(tok, now).unwrap();
    assert_eq!(grant.prefix, format!("previews/{asset}/{version}/"));
    assert!(grant.exp <= now + 15 * 60, "{} vs {now}", grant.exp);
    let pic = g.get(&src).send().await.unwrap();
    assert_eq!(pic.status(), 200, "{src}");
    assert_eq!(pic.headers()["content-type"], "image/jpeg");
    assert_eq!(&pic.bytes().await.unwrap()[..3], b"\xff\xd8\xff");

    // A comment with a drawing, at no time; a time on an image is refused.
    identify(&t.app, &g, &token, "Ola").await;
    let path = format!("/assets/{asset}/comments");
    let rect = json!({"shapes": [{"tool": "rect", "color": "#ff3b30", "width": 0.004, "x": 0.2, "y": 0.3, "w": 0.4, "h": 0.4}]});
    for bad in [
        json!({"frame": 0, "body": "at a frame"}),
        json!({"seconds": 1.0, "body": "at a time"}),
    ] {
        let (s, e) = gsend(&t.app, &g, Method::POST, &token, &path, Some(bad.clone())).await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
    }
    assert_eq!(count(&t.app, "SELECT count(*) AS n FROM comments"), 0);
    let (s, c) = gsend(
        &t.app,
        &g,
        Method::POST,
        &token,
        &path,
        Some(json!({"body": "Logo too small", "drawing": rect})),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        (c["frame"].clone(), c["timecode"].clone()),
        (json!(null), json!(null))
    );
    assert_eq!(c["drawing"], rect);
    let (_, one) = gsend(
        &t.app,
        &g,
        Method::GET,
        &token,
        &format!("/comments/{}", c["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(one["drawing"], rect);
    // The team reads it as a guest's comment.
    let (_, list) = t.get(format!("/api/assets/{asset}/comments")).await;
    assert_eq!(list["comments"][0]["body"], "Logo too small", "{list}");
    assert_eq!(list["comments"][0]["has_drawing"], true);

    // Watermarked: the still waits for the guest's name, under the watermark.
    let marked = link(json!({"asset_ids": [asset], "watermark": true})).await;
    let html = guest()
        .get(t.app.url(&format!("/r/{marked}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-still-box hidden"), "{html}");
    assert!(html.contains("data-watermark"));
    assert!(
        !html.contains("<form data-composer"),
        "a view-only link has no comment box"
    );
}

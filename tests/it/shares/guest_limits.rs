//! Closed links (malformed, unknown, revoked, expired) answer a readable page and JSON;
//! playback tokens cover only the shared version's previews for at most 15 minutes and are not
//! renewed once the link is revoked; tokens stay out of logs. Passwords: `throttle.rs`.

use super::{Studio, gsend, guest, share};
use crate::harness::{count, exec, parts};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn closed_links_answer_a_readable_page_and_json_never_a_500() {
    let Studio { app, ed, asset, .. } = Studio::start().await;
    let (revoked_id, revoked) = share(&ed, json!({"asset_ids": [asset]})).await;
    let (expired_id, expired) = share(
        &ed,
        json!({"asset_ids": [asset], "expires_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    ed.send(Method::DELETE, &format!("/api/shares/{revoked_id}"), None)
        .await;
    exec(
        &app,
        &format!(
            "UPDATE shares SET expires_at = now() - interval '1 minute' WHERE id = '{expired_id}'"
        ),
    );
    let unknown = "A".repeat(43);
    let g = guest();
    for (token, status, words, code) in [
        ("short", 404, "not valid", "share-not-found"),
        ("has%20space", 404, "not valid", "share-not-found"),
        (unknown.as_str(), 404, "not valid", "share-not-found"),
        (revoked.as_str(), 410, "turned off", "share-revoked"),
        (expired.as_str(), 410, "expired", "share-expired"),
    ] {
        let r = g.get(app.url(&format!("/r/{token}"))).send().await.unwrap();
        assert_eq!(r.status(), status, "{token}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains(words), "{token}: {html}");
        for rest in ["/share", &format!("/assets/{asset}/comments")] {
            let (s, b) = gsend(&app, &g, Method::GET, token, rest, None).await;
            assert_eq!(
                (s, b["code"].as_str()),
                (status, Some(code)),
                "{token}{rest}: {b}"
            );
        }
        let (s, _) = gsend(
            &app,
            &g,
            Method::POST,
            token,
            &format!("/assets/{asset}/comments"),
            Some(json!({"frame": 1, "body": "x"})),
        )
        .await;
        assert_eq!(s, status);
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM comments"), 0);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM share_guests"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn playback_tokens_cover_only_the_shared_version_for_at_most_15_minutes() {
    let Studio {
        app,
        ed,
        asset,
        version,
    } = Studio::start().await;
    let (share_id, token) = share(&ed, json!({"asset_ids": [asset]})).await;
    let g = guest();
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        &format!("/assets/{asset}/sign"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let url = b["url"].as_str().unwrap();
    let exp = b["exp"].as_u64().unwrap();
    let now = mm::signing::now();
    assert!(exp > now && exp <= now + 15 * 60, "{exp} vs {now}");
    let tok = url.split("/s/").nth(1).unwrap().split('/').next().unwrap();
    let grant = crate::edge::signer_of(&app).verify(tok, now).unwrap();
    assert_eq!(grant.prefix, format!("previews/{asset}/{version}/"));
    // A link that expires sooner gives a token that expires with it.
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::minutes(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (_, short) = share(&ed, json!({"asset_ids": [asset], "expires_at": soon})).await;
    let (_, b) = gsend(
        &app,
        &g,
        Method::POST,
        &short,
        &format!("/assets/{asset}/sign"),
        None,
    )
    .await;
    assert!(b["exp"].as_u64().unwrap() <= now + 3 * 60 + 2, "{b}");

    // Revoked, the link stops playing within its tokens' life: the edge checks a token's
    // signature and expiry only, so what was issued plays until `exp` (at most 15 minutes,
    // checked above), and the renewal the page asks for before then is refused.
    let (s, _) = parts(
        ed.send(Method::DELETE, &format!("/api/shares/{share_id}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 204);
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        &format!("/assets/{asset}/sign"),
        Some(json!({})),
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (410, Some("share-revoked")), "{b}");
    assert!(b.get("url").is_none());

    // The token in a link's path is redacted like signatures are.
    assert_eq!(
        mm::web::span::redact(&format!("/r/{token}/api/share"), None),
        "/r/[token]/api/share"
    );
}

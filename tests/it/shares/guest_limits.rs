//! Closed links (malformed, unknown, revoked, expired) answer a readable page and JSON; a
//! password is asked first, wrong guesses are throttled per link and address; playback tokens
//! cover only the shared version's previews for at most 15 minutes; tokens stay out of logs.

use super::{gsend, guest, share};
use crate::harness::TestApp;
use crate::harness::{ApiClient, count, exec, parts, seed_user};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn closed_links_answer_a_readable_page_and_json_never_a_500() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
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
async fn a_password_is_asked_first_and_wrong_guesses_are_throttled() {
    let app = TestApp::builder(Role::Api)
        .env("MM_LOGIN_MAX_PER_ACCOUNT", "3")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
    let (id, token) = share(
        &ed,
        json!({"asset_ids": [asset], "password": "open sesame please", "permissions": "comment"}),
    )
    .await;
    let g = guest();
    let html = g
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-unlock") && !html.contains("data-player"),
        "{html}"
    );
    let (s, b) = gsend(
        &app,
        &g,
        Method::GET,
        &token,
        &format!("/assets/{asset}/comments"),
        None,
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (401, Some("password-required")));
    let (s, sum) = gsend(&app, &g, Method::GET, &token, "/share", None).await;
    assert_eq!(
        (
            s,
            sum["unlocked"].as_bool(),
            sum["assets"].as_array().map(Vec::len)
        ),
        (200, Some(false), Some(0))
    );
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        "/guest",
        Some(json!({"name": "Eve", "email": "eve@x.test"})),
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (401, Some("password-required")));
    let (s, b) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        "/unlock",
        Some(json!({"password": ""})),
    )
    .await;
    assert_eq!((s, b["code"].as_str()), (400, Some("invalid-password")));

    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (s, _) = gsend(
            &app,
            &g,
            Method::POST,
            &token,
            "/unlock",
            Some(json!({"password": "open sesame"})),
        )
        .await;
        statuses.push(s);
    }
    assert_eq!(&statuses[..3], [401, 401, 401], "{statuses:?}");
    assert_eq!(statuses[4], 429, "throttled: {statuses:?}");
    // Even the right password waits while throttled from this address.
    let (s, _) = gsend(
        &app,
        &g,
        Method::POST,
        &token,
        "/unlock",
        Some(json!({"password": "open sesame please"})),
    )
    .await;
    assert_eq!(s, 429);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM share_guests"),
        0,
        "nothing stored for wrong guesses"
    );

    // From another address (another link key here: a fresh link), the right password opens.
    let (id2, token2) = share(
        &ed,
        json!({"asset_ids": [asset], "password": "open sesame please"}),
    )
    .await;
    let g2 = guest();
    let r = g2
        .post(super::gpath(&app, &token2, "/unlock"))
        .json(&json!({"password": "open sesame please"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.starts_with("mm_guest=")
            && cookie.contains(&format!("Path=/r/{token2}"))
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let (s, _) = gsend(
        &app,
        &g2,
        Method::GET,
        &token2,
        &format!("/assets/{asset}/comments"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // A new password locks the guest out again.
    let (s, _) = parts(
        ed.send(
            Method::PATCH,
            &format!("/api/shares/{id2}"),
            Some(&json!({"password": "another long secret"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = gsend(
        &app,
        &g2,
        Method::GET,
        &token2,
        &format!("/assets/{asset}/comments"),
        None,
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM audit_log WHERE target_id = '{id}' AND action LIKE 'share.%'"
            )
        ),
        1,
        "only its creation"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn playback_tokens_cover_only_the_shared_version_for_at_most_15_minutes() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (asset, version) = seed_video(&app, DF_2997);
    let (_, token) = share(&ed, json!({"asset_ids": [asset]})).await;
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

    // The token in a link's path is redacted like signatures are.
    assert_eq!(
        mm::web::span::redact(&format!("/r/{token}/api/share"), None),
        "/r/[token]/api/share"
    );
}

//! Password attempts on a link, throttled like sign-in: growing waits per link and client
//! address, a window per address shared with sign-ins (one address guessing many links), and a
//! window per link across every address (many addresses guessing one link). Client addresses
//! come from `x-forwarded-for` here, as behind a proxy. Wrong guesses store nothing.

use super::{Studio, gpath, gsend, guest, share};
use crate::harness::{PASSWORD, TestApp, count, new_client, parts};
use mm::config::Role;
use mm::shares::throttle::MAX_PER_LINK;
use reqwest::Method;
use serde_json::json;

const SECRET: &str = "open sesame please";

/// An unlock attempt on `token` from client address `ip`; returns the status.
async fn unlock_from(app: &TestApp, token: &str, ip: &str, password: &str) -> reqwest::Response {
    new_client()
        .post(gpath(app, token, "/unlock"))
        .header("x-forwarded-for", format!("10.9.9.9, {ip}"))
        .json(&json!({ "password": password }))
        .send()
        .await
        .unwrap()
}

async fn behind_a_proxy(extra: &[(&str, &str)]) -> Studio {
    let mut b = TestApp::builder(Role::Api).env("MM_CLIENT_IP_HEADER", "x-forwarded-for");
    for (k, v) in extra {
        b = b.env(k, *v);
    }
    Studio::on(b.spawn().await).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_is_asked_first_and_wrong_guesses_are_throttled() {
    let app = TestApp::builder(Role::Api)
        .env("MM_LOGIN_MAX_PER_ACCOUNT", "3")
        .spawn()
        .await;
    let Studio { app, ed, asset, .. } = Studio::on(app).await;
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
async fn one_link_is_throttled_for_every_address_once_many_addresses_guessed_wrong() {
    let Studio { app, ed, asset, .. } = behind_a_proxy(&[]).await;
    let (_, token) = share(&ed, json!({"asset_ids": [asset], "password": SECRET})).await;
    let (_, other) = share(&ed, json!({"asset_ids": [asset], "password": SECRET})).await;
    // Each address guesses once: no per-address or per-pair limit is reached.
    for i in 0..MAX_PER_LINK {
        let ip = format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1);
        let r = unlock_from(&app, &token, &ip, "not the password").await;
        assert_eq!(r.status(), 401, "guess {i} from {ip}");
    }
    // Now the link waits for everyone, even a new address with the right password.
    let r = unlock_from(&app, &token, "192.0.2.77", SECRET).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    let (_, b) = parts(r).await;
    assert_eq!(b["code"], "too-many-requests", "{b}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM share_guests"), 0);
    // Another link is not slowed by this one's guesses.
    let r = unlock_from(&app, &other, "192.0.2.77", SECRET).await;
    assert_eq!(r.status(), 204);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_guessing_many_links_is_throttled_with_its_sign_ins() {
    let Studio { app, ed, asset, .. } = behind_a_proxy(&[
        ("MM_LOGIN_MAX_PER_IP", "3"),
        ("MM_LOGIN_MAX_PER_ACCOUNT", "100"),
    ])
    .await;
    let mut links = Vec::new();
    for _ in 0..4 {
        links.push(
            share(&ed, json!({"asset_ids": [asset], "password": SECRET}))
                .await
                .1,
        );
    }
    for t in &links[..3] {
        let r = unlock_from(&app, t, "203.0.113.9", "not the password").await;
        assert_eq!(r.status(), 401);
    }
    // A fourth link from the same address waits, right password or not.
    let r = unlock_from(&app, &links[3], "203.0.113.9", SECRET).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    // The window is the sign-in one: this address's sign-ins wait too.
    let login = new_client()
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "10.9.9.9, 203.0.113.9")
        .json(&json!({"email": "ed@mm.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 429);
    // Another address opens the same link at once.
    let r = unlock_from(&app, &links[3], "203.0.113.10", SECRET).await;
    assert_eq!(r.status(), 204);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM share_guests"), 1);
}

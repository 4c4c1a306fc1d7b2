//! Sessions: cookie flags, rotation on login, logout, logout everywhere, disabling a user,
//! idle and absolute expiry.

use super::{session_cookie, session_cookie_line};
use crate::harness::{
    ApiClient, PASSWORD, TestApp, count, exec, new_client, parts, seed_token, seed_user,
};
use mm::auth::{Permission, Role};
use reqwest::Method;
use serde_json::json;

async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    new_client()
        .get(app.url("/api/auth/me"))
        .header("cookie", format!("mm_session={cookie}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn raw_login(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_sets_a_safe_cookie_and_a_new_session_each_time() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let client = new_client();
    let first = raw_login(&app, &client, "ED@mm.test ").await;
    assert_eq!(first.status(), 200, "emails are case-insensitive");
    let line = session_cookie_line(&first);
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(line.contains(flag), "{line} lacks {flag}");
    }
    assert!(!line.contains("Secure"), "served over http: {line}");
    let a = session_cookie(&first).unwrap();
    let second = raw_login(&app, &client, "ed@mm.test").await;
    let b = session_cookie(&second).unwrap();
    assert_ne!(a, b, "each login starts a new session");
    assert_eq!(me_with_cookie(&app, &a).await, 200);
    assert_eq!(me_with_cookie(&app, &b).await, 200);
    // The table holds digests, never the cookie's secret.
    let hex_a = hex::encode(mm::auth::sha256(a.as_bytes()));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM sessions WHERE id = '\\x{hex_a}'")
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM sessions WHERE encode(id, 'escape') = '{a}'")
        ),
        0
    );
    // A planted cookie is never promoted: login answers with a fresh one.
    let planted = "A".repeat(43);
    let c = new_client();
    let r = c
        .post(app.url("/api/auth/login"))
        .header("cookie", format!("mm_session={planted}"))
        .json(&json!({"email": "ed@mm.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_ne!(session_cookie(&r).unwrap(), planted);
    assert_eq!(me_with_cookie(&app, &planted).await, 401);

    let https = TestApp::builder(mm::config::Role::Api)
        .env("MM_PUBLIC_URL", "https://mm.example.com")
        .spawn()
        .await;
    seed_user(&https, "ed@mm.test", Role::Editor);
    let r = raw_login(&https, &new_client(), "ed@mm.test").await;
    assert!(
        session_cookie_line(&r).contains("Secure"),
        "https deployments mark the cookie Secure"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_ends_this_session_only_and_clears_the_cookie() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let client = new_client();
    let r = raw_login(&app, &client, "ed@mm.test").await;
    let secret = session_cookie(&r).unwrap();
    let csrf = r.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let other = ApiClient::login(&app, "ed@mm.test").await;

    let out = client
        .post(app.url("/api/auth/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        session_cookie_line(&out).contains("Max-Age=0"),
        "the cookie is removed"
    );
    assert_eq!(
        parts(client.get(app.url("/api/auth/me")).send().await.unwrap())
            .await
            .0,
        401
    );
    assert_eq!(
        me_with_cookie(&app, &secret).await,
        401,
        "a replayed cookie is dead"
    );
    assert_eq!(
        parts(other.send(Method::GET, "/api/auth/me", None).await)
            .await
            .0,
        200
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'logout'"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_all_ends_every_session_but_not_tokens() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let (_, tok) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    let a = ApiClient::login(&app, "ed@mm.test").await;
    let b = ApiClient::login(&app, "ed@mm.test").await;
    let (status, body) = parts(a.send(Method::POST, "/api/auth/logout-all", None).await).await;
    assert_eq!(
        (status, body["sessions_ended"].as_i64()),
        (200, Some(2)),
        "{body}"
    );
    for s in [&a, &b] {
        assert_eq!(
            parts(s.send(Method::GET, "/api/auth/me", None).await)
                .await
                .0,
            401
        );
    }
    let r = ApiClient::bearer(&app, &tok)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(r.status(), 200, "tokens are not sessions");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn disabling_a_user_ends_their_sessions_and_tokens_at_once() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "admin@mm.test", Role::Admin);
    let vic = seed_user(&app, "vic@mm.test", Role::Editor);
    let (_, tok) = seed_token(&app, &vic, &[Permission::AssetsRead], 3600);
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    let v = ApiClient::login(&app, "vic@mm.test").await;
    assert_eq!(
        parts(v.send(Method::GET, "/api/auth/me", None).await)
            .await
            .0,
        200
    );

    let path = format!("/api/users/{}", vic.id);
    let (status, body) = parts(
        admin
            .send(Method::PATCH, &path, Some(&json!({"status": "disabled"})))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("disabled")),
        "{body}"
    );

    assert_eq!(
        parts(v.send(Method::GET, "/api/auth/me", None).await)
            .await
            .0,
        401
    );
    let r = ApiClient::bearer(&app, &tok)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(r.status(), 401);
    let r = raw_login(&app, &new_client(), "vic@mm.test").await;
    let (status, body) = parts(r).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("account-disabled")),
        "{body}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'user.disable' AND details->>'tokens_revoked' = '1'"
        ),
        1
    );

    // Enabled again: a new login works; the revoked token stays revoked.
    let (status, _) = parts(
        admin
            .send(Method::PATCH, &path, Some(&json!({"status": "active"})))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    ApiClient::login(&app, "vic@mm.test").await;
    let r = ApiClient::bearer(&app, &tok)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_status_is_read_on_every_request() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let (_, tok) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    // Disabled behind mm's back (no session or token touched): refused all the same.
    exec(
        &app,
        "UPDATE users SET status = 'disabled' WHERE email = 'ed@mm.test'",
    );
    assert_eq!(
        parts(s.send(Method::GET, "/api/auth/me", None).await)
            .await
            .0,
        401
    );
    let r = ApiClient::bearer(&app, &tok)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_expire_when_idle_and_at_their_absolute_end() {
    let app = TestApp::builder(mm::config::Role::Api)
        .env("MM_SESSION_IDLE", "1h")
        .env("MM_SESSION_TTL", "2d")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let idle = ApiClient::login(&app, "ed@mm.test").await;
    let old = ApiClient::login(&app, "ed@mm.test").await;
    let fresh = ApiClient::login(&app, "ed@mm.test").await;
    async fn me(b: &ApiClient) -> reqwest::Response {
        b.send(Method::GET, "/api/auth/me", None).await
    }
    for b in [&idle, &old, &fresh] {
        assert_eq!(me(b).await.status(), 200);
    }
    // Each session row is found by its CSRF token, which its browser holds.
    let (idle_csrf, old_csrf) = (&idle.csrf, &old.csrf);
    exec(
        &app,
        &format!(
            "UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE csrf_token = '{idle_csrf}'"
        ),
    );
    exec(
        &app,
        &format!(
            "UPDATE sessions SET expires_at = now() - interval '1 second', last_seen_at = now() WHERE csrf_token = '{old_csrf}'"
        ),
    );
    assert_eq!(me(&idle).await.status(), 401, "idle past MM_SESSION_IDLE");
    assert_eq!(
        me(&old).await.status(),
        401,
        "past MM_SESSION_TTL, however recently used"
    );
    assert_eq!(me(&fresh).await.status(), 200);
    let expires_in = count(
        &app,
        &format!(
            "SELECT extract(epoch FROM expires_at - created_at)::bigint AS n FROM sessions WHERE csrf_token = '{}'",
            fresh.csrf
        ),
    );
    assert_eq!(expires_in, 2 * 86_400);
}

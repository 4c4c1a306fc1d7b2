//! CSRF: a cookie-authenticated state change needs the session's token (header or form
//! field); bearer-token requests need none; login and setup forms use a double-submit cookie.

use super::form_csrf;
use crate::harness::{
    ApiClient, PASSWORD, TestApp, count, new_client, parts, seed_token, seed_user,
};
use mm::auth::{Permission, Role};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn cookie_requests_that_change_state_need_the_sessions_token() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let other = ApiClient::login(&app, "ed@mm.test").await;
    let body = json!({"name": "ci", "scopes": ["assets:read"]});
    let url = app.url("/api/tokens");
    let tokens = || count(&app, "SELECT count(*) AS n FROM api_tokens");
    let before = tokens();

    for (label, header) in [
        ("no token", None),
        ("wrong token", Some("x".repeat(43))),
        ("another session's", Some(other.csrf.clone())),
    ] {
        let mut rb = s.client.post(&url).json(&body);
        if let Some(h) = header {
            rb = rb.header("x-csrf-token", h);
        }
        let (status, b) = parts(rb.send().await.unwrap()).await;
        assert_eq!(
            (status, b["code"].as_str()),
            (403, Some("csrf-token-invalid")),
            "{label}: {b}"
        );
    }
    // DELETE and logout are state changes too.
    let (id, _) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    let r = s
        .client
        .delete(app.url(&format!("/api/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .post(app.url("/api/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        tokens(),
        before + 1,
        "nothing was created by a refused request"
    );

    let ok = s
        .client
        .post(&url)
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    // Reading needs no token.
    assert_eq!(s.client.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_token_requests_need_no_csrf_token() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let (_, tok) = seed_token(
        &app,
        &ed,
        &[Permission::TokensManage, Permission::AssetsRead],
        3600,
    );
    let r = ApiClient::bearer(&app, &tok)
        .send(
            Method::POST,
            "/api/tokens",
            Some(&json!({"name": "from a script"})),
        )
        .await;
    assert_eq!(r.status(), 201);
}

#[tokio::test(flavor = "multi_thread")]
async fn page_forms_need_the_hidden_token() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let tokens = || count(&app, "SELECT count(*) AS n FROM api_tokens");
    let r = s
        .client
        .post(app.url("/account/tokens"))
        .form(&[("name", "x"), ("scope_assets:read", "on"), ("ttl", "30d")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(tokens(), 0);
    let page = s
        .client
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = form_csrf(&page);
    assert_eq!(csrf, s.csrf, "the page carries the session's token");
    let r = s
        .client
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "x"),
            ("scope_assets:read", "on"),
            ("ttl", "30d"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(tokens(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_form_needs_its_double_submit_cookie() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    // A cross-site form post carries neither the cookie nor its value.
    let r = new_client()
        .post(app.url("/login"))
        .form(&[
            ("email", "ed@mm.test"),
            ("password", PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        super::session_cookie(&r).is_none(),
        "no session for a forged login"
    );
}

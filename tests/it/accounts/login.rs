//! Login: one answer for unknown emails and wrong passwords, audit records without secrets,
//! rate limits per account and per address, and bad bodies that change nothing.

use crate::harness::{ApiClient, PASSWORD, TestApp, count, new_client, parts, seed_user};
use mm::auth::Role;
use reqwest::Method;
use serde_json::json;

async fn attempt(
    app: &TestApp,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> reqwest::Response {
    let mut rb = new_client()
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": email, "password": password}));
    if let Some(ip) = ip {
        rb = rb.header("x-forwarded-for", format!("10.9.9.9, {ip}"));
    }
    rb.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let wrong = parts(attempt(&app, "ed@mm.test", "not the password!", None).await).await;
    let unknown = parts(attempt(&app, "nobody@mm.test", "not the password!", None).await).await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.1["code"], "invalid-credentials");

    let (status, ok) = parts(attempt(&app, "ed@mm.test", PASSWORD, None).await).await;
    assert_eq!(status, 200);
    assert_eq!(ok["user"]["email"], "ed@mm.test");
    assert!(ok["user"].get("password_hash").is_none());
    assert_eq!(ok["csrf_token"].as_str().unwrap().len(), 43);

    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'login.failure' AND ip = '127.0.0.1'"
        ),
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'login.success' AND ip = '127.0.0.1'"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE details::text LIKE '%not the password%' OR details::text LIKE '%horse%'"
        ),
        0,
        "passwords never reach the audit log"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE last_login_at IS NOT NULL"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_limited_per_account() {
    let app = TestApp::builder(mm::config::Role::Api)
        .env("MM_LOGIN_MAX_PER_ACCOUNT", "3")
        .env("MM_LOGIN_MAX_PER_IP", "100")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    seed_user(&app, "amy@mm.test", Role::Editor);
    for _ in 0..3 {
        assert_eq!(
            attempt(&app, "ed@mm.test", "wrong wrong wrong", None)
                .await
                .status(),
            401
        );
    }
    // The counters live under this deployment's prefix and always expire.
    let mut redis = app.redis().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}ratelimit:login:*", app.redis_prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for k in &keys {
        let ttl: i64 = redis::cmd("TTL")
            .arg(k)
            .query_async(&mut redis)
            .await
            .unwrap();
        assert!(ttl > 0, "{k} has no expiry");
    }
    let r = attempt(&app, "ED@mm.test", PASSWORD, None).await;
    assert_eq!(
        r.status(),
        429,
        "even the right password waits out the window"
    );
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let (_, body) = parts(r).await;
    assert_eq!(body["code"], "too-many-requests");
    // Other accounts from the same address are unaffected.
    assert_eq!(
        attempt(&app, "amy@mm.test", PASSWORD, None).await.status(),
        200
    );
    // A success forgives an account's earlier failures.
    for _ in 0..2 {
        attempt(&app, "amy@mm.test", "wrong wrong wrong", None).await;
    }
    assert_eq!(
        attempt(&app, "amy@mm.test", PASSWORD, None).await.status(),
        200
    );
    for _ in 0..2 {
        assert_eq!(
            attempt(&app, "amy@mm.test", "wrong wrong wrong", None)
                .await
                .status(),
            401
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_limited_per_client_address() {
    let app = TestApp::builder(mm::config::Role::Api)
        .env("MM_LOGIN_MAX_PER_ACCOUNT", "100")
        .env("MM_LOGIN_MAX_PER_IP", "3")
        .env("MM_CLIENT_IP_HEADER", "x-forwarded-for")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    // Successes do not count: an office behind one address signs everyone in.
    for _ in 0..4 {
        assert_eq!(
            attempt(&app, "ed@mm.test", PASSWORD, Some("203.0.113.1"))
                .await
                .status(),
            200
        );
    }
    for i in 0..3 {
        let email = format!("guess{i}@mm.test");
        assert_eq!(
            attempt(&app, &email, "wrong wrong wrong", Some("203.0.113.1"))
                .await
                .status(),
            401
        );
    }
    let r = attempt(&app, "ed@mm.test", PASSWORD, Some("203.0.113.1")).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(
        attempt(&app, "ed@mm.test", PASSWORD, Some("203.0.113.2"))
            .await
            .status(),
        200
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'login.failure' AND ip = '203.0.113.1'"
        ),
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_bodies_get_400_or_413_and_change_nothing() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let vic = seed_user(&app, "vic@mm.test", Role::Viewer);
    seed_user(&app, "admin@mm.test", Role::Admin);
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    let audit_before = count(&app, "SELECT count(*) AS n FROM audit_log");
    let raw = |path: &str, method: Method, body: String, ct: &str| {
        admin
            .client
            .request(method, app.url(path))
            .header("x-csrf-token", &admin.csrf)
            .header("content-type", ct)
            .body(body)
    };
    let cases = [
        ("/api/auth/login", Method::POST, "{\"email\": ".to_string(), "application/json", 400, "invalid-json"),
        ("/api/auth/login", Method::POST, json!({"email": "vic@mm.test", "password": PASSWORD, "admin": true}).to_string(), "application/json", 400, "invalid-json"),
        ("/api/auth/login", Method::POST, json!({"email": "vic@mm.test", "password": "x".repeat(70 * 1024)}).to_string(), "application/json", 413, "payload-too-large"),
        ("/api/auth/login", Method::POST, "email=vic".to_string(), "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        ("/api/users", Method::POST, json!({"email": "n@mm.test", "role": "viewer", "password": PASSWORD, "status": "active"}).to_string(), "application/json", 400, "invalid-json"),
        ("/api/users", Method::POST, json!({"email": "n@mm.test", "role": "owner", "password": PASSWORD}).to_string(), "application/json", 400, "invalid-json"),
        ("/api/users", Method::POST, json!({"email": "not-an-email", "role": "viewer", "password": PASSWORD}).to_string(), "application/json", 400, "invalid-email"),
        ("/api/users", Method::POST, json!({"email": "n@mm.test", "role": "viewer", "password": "short"}).to_string(), "application/json", 400, "weak-password"),
        ("/api/users", Method::POST, json!({"email": "VIC@mm.test", "role": "viewer", "password": PASSWORD}).to_string(), "application/json", 409, "email-taken"),
        (&format!("/api/users/{}", vic.id), Method::PATCH, json!({"role": "admin", "email": "x@y.z"}).to_string(), "application/json", 400, "invalid-json"),
        (&format!("/api/users/{}", vic.id), Method::PATCH, json!({}).to_string(), "application/json", 400, "empty-change"),
        ("/api/users/not-a-uuid", Method::PATCH, json!({"role": "admin"}).to_string(), "application/json", 400, "invalid-path"),
        ("/api/tokens", Method::POST, json!({"name": "x", "owner": "vic@mm.test"}).to_string(), "application/json", 400, "invalid-json"),
    ];
    for (path, method, body, ct, want, code) in cases {
        let (status, b) = parts(raw(path, method.clone(), body, ct).send().await.unwrap()).await;
        assert_eq!(
            (status, b["code"].as_str()),
            (want, Some(code)),
            "{method} {path}: {b}"
        );
        assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM users"), 2);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE role = 'viewer'"
        ),
        1
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM api_tokens"), 0);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM audit_log"),
        audit_before,
        "nothing happened, nothing audited"
    );
}

//! API tokens: shown once and stored hashed, scoped within the owner's role, expiring,
//! revocable, and refused when malformed.

use crate::harness::{ApiClient, TestApp, count, exec, new_client, parts, seed_token, seed_user};
use mm::auth::{Permission, Role};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_shown_once_stored_hashed_and_usable() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let body =
        json!({"name": "nightly sync", "scopes": ["assets:read", "tokens:manage"], "ttl": "30d"});
    let (status, created) = parts(s.send(Method::POST, "/api/tokens", Some(&body)).await).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["token"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with(created["prefix"].as_str().unwrap()),
        "{created}"
    );
    assert_eq!(created["scopes"], json!(["assets:read", "tokens:manage"]));

    let (status, list) = parts(s.send(Method::GET, "/api/tokens", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&secret[20..]),
        "the secret is never listed: {list}"
    );
    let secret_part = secret.rsplit_once('_').map(|(_, s)| s).unwrap();
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM api_tokens WHERE position('{secret_part}' in encode(secret_hash, 'escape')) > 0"
            )
        ),
        0
    );

    let (status, me) = ApiClient::bearer(&app, &secret).get("/api/auth/me").await;
    assert_eq!((status, me["via"].as_str()), (200, Some("token")), "{me}");
    assert_eq!(me["permissions"], json!(["assets:read", "tokens:manage"]));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM api_tokens WHERE last_used_at IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'token.create'"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_limit_a_token_and_never_exceed_the_owners_role() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "admin@mm.test", Role::Admin);
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let (_, read_only) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    let (status, body) = ApiClient::bearer(&app, &read_only).get("/api/tokens").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("insufficient-scope")),
        "{body}"
    );

    let s = ApiClient::login(&app, "ed@mm.test").await;
    for (scopes, want, code) in [
        (json!(["audit:read"]), 403, "scope-not-allowed"),
        (json!(["assets:fly"]), 400, "invalid-scope"),
        (json!([]), 400, "invalid-scope"),
    ] {
        let (status, b) = parts(
            s.send(
                Method::POST,
                "/api/tokens",
                Some(&json!({"name": "x", "scopes": scopes})),
            )
            .await,
        )
        .await;
        assert_eq!((status, b["code"].as_str()), (want, Some(code)), "{b}");
    }
    for ttl in ["10m", "400d", "soon"] {
        let (status, b) = parts(
            s.send(
                Method::POST,
                "/api/tokens",
                Some(&json!({"name": "x", "ttl": ttl})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, b["code"].as_str()),
            (400, Some("invalid-ttl")),
            "{ttl}: {b}"
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM api_tokens"),
        1,
        "refused requests created nothing"
    );

    // A token made when its owner was an editor shrinks when the owner is demoted.
    let (_, manage) = seed_token(&app, &ed, &[Permission::TokensManage], 3600);
    assert_eq!(
        ApiClient::bearer(&app, &manage).get("/api/tokens").await.0,
        200
    );
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    let path = format!("/api/users/{}", ed.id);
    assert_eq!(
        parts(
            admin
                .send(Method::PATCH, &path, Some(&json!({"role": "viewer"})))
                .await
        )
        .await
        .0,
        200
    );
    let (status, body) = ApiClient::bearer(&app, &manage).get("/api/tokens").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_revoked_and_malformed_tokens_get_401() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    let (_, expiring) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    assert_eq!(
        ApiClient::bearer(&app, &expiring)
            .get("/api/auth/me")
            .await
            .0,
        200
    );
    exec(
        &app,
        "UPDATE api_tokens SET expires_at = now() - interval '1 second'",
    );
    let (status, body) = ApiClient::bearer(&app, &expiring).get("/api/auth/me").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthorized")),
        "{body}"
    );

    let (id, revoked) = seed_token(
        &app,
        &ed,
        &[Permission::AssetsRead, Permission::TokensManage],
        3600,
    );
    let r = ApiClient::bearer(&app, &revoked)
        .send(Method::DELETE, &format!("/api/tokens/{id}"), None)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        ApiClient::bearer(&app, &revoked)
            .get("/api/auth/me")
            .await
            .0,
        401
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'token.revoke'"
        ),
        1
    );

    // Right shape, wrong secret; garbage; another scheme.
    let mut forged = revoked.clone();
    forged.pop();
    forged.push(if revoked.ends_with('A') { 'B' } else { 'A' });
    for bad in [forged.as_str(), "mm_nothing", "", "Bearer"] {
        assert_eq!(
            ApiClient::bearer(&app, bad).get("/api/auth/me").await.0,
            401,
            "{bad:?}"
        );
    }
    let r = new_client()
        .get(app.url("/api/auth/me"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_owner_or_an_admin_revokes_a_token() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "admin@mm.test", Role::Admin);
    let ed = seed_user(&app, "ed@mm.test", Role::Editor);
    seed_user(&app, "eve@mm.test", Role::Editor);
    let (id, tok) = seed_token(&app, &ed, &[Permission::AssetsRead], 3600);
    let eve = ApiClient::login(&app, "eve@mm.test").await;
    let path = format!("/api/tokens/{id}");
    let (status, body) = parts(eve.send(Method::DELETE, &path, None).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not-found")),
        "{body}"
    );
    assert_eq!(
        ApiClient::bearer(&app, &tok).get("/api/auth/me").await.0,
        200
    );
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    assert_eq!(admin.send(Method::DELETE, &path, None).await.status(), 204);
    assert_eq!(
        ApiClient::bearer(&app, &tok).get("/api/auth/me").await.0,
        401
    );
    assert_eq!(admin.send(Method::DELETE, &path, None).await.status(), 404);
}

/// A clash with an existing row (here the public prefix, forced to repeat by a trigger) is a
/// 409 with `{code, message}` and leaves nothing behind, not a 500.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_clashes_with_an_existing_one_is_a_conflict() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let first = json!({"name": "first", "scopes": ["assets:read"]});
    let (status, b) = parts(s.send(Method::POST, "/api/tokens", Some(&first)).await).await;
    assert_eq!(status, 201, "{b}");
    app.db
        .conn()
        .batch_execute(
            "CREATE FUNCTION reuse_prefix() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN NEW.prefix := (SELECT prefix FROM api_tokens LIMIT 1); RETURN NEW; END $$;
             CREATE TRIGGER reuse_prefix BEFORE INSERT ON api_tokens FOR EACH ROW
             WHEN (NEW.name = 'clash') EXECUTE FUNCTION reuse_prefix();",
        )
        .unwrap();
    let clash = json!({"name": "clash", "scopes": ["assets:read"]});
    let (status, b) = parts(s.send(Method::POST, "/api/tokens", Some(&clash)).await).await;
    assert_eq!((status, b["code"].as_str()), (409, Some("conflict")), "{b}");
    assert!(!b["message"].as_str().unwrap_or("").is_empty(), "{b}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM api_tokens"), 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'token.create'"
        ),
        1,
        "the clashing token's audit entry was rolled back with it"
    );
}

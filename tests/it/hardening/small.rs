//! The smaller items: signing a prefix checks its asset, failed sign-ins slow the guesser
//! without locking out the owner, and SVG is never accepted as an image.

use crate::harness::{PASSWORD, TestApp, new_client, rows, seed_token, seed_user};
use crate::ingest::{Ingest, refused};
use mm::auth::{Permission, Role as UserRole};
use mm::config::Role;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread")]
async fn a_preview_prefix_is_signed_only_for_a_live_asset() {
    let app = TestApp::spawn(Role::Api).await;
    let user = seed_user(&app, "viewer@mm.test", UserRole::Viewer);
    let (_, token) = seed_token(&app, &user, &[Permission::PreviewsSign], 3600);
    let seeded: std::collections::HashMap<_, _> = crate::ingest::seed_for_matrix(&app, user.id)
        .into_iter()
        .collect();
    let (asset, version) = (&seeded["{asset}"], &seeded["{version}"]);
    let sign = |prefix: String| {
        let req = new_client()
            .post(app.url("/api/sign-preview"))
            .bearer_auth(&token)
            .json(&json!({ "preview_prefix": prefix }));
        async move {
            let r = req.send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let live = sign(format!("previews/{asset}/{version}/")).await;
    assert_eq!(live.0, 200, "{}", live.1);
    let unknown = uuid::Uuid::new_v4();
    refused(
        &sign(format!("previews/{unknown}/{version}/")).await,
        404,
        "asset-not-found",
    );
    refused(
        &sign(format!("previews/{asset}/{unknown}/")).await,
        404,
        "version-not-found",
    );
    refused(
        &sign("previews/not-an-asset/v1/".into()).await,
        400,
        "invalid-prefix",
    );
    crate::harness::exec(
        &app,
        &format!("UPDATE assets SET deleted_at = now() WHERE id = '{asset}'"),
    );
    refused(
        &sign(format!("previews/{asset}/{version}/")).await,
        404,
        "asset-not-found",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guesser_is_slowed_and_the_owner_still_signs_in() {
    let app = TestApp::builder(Role::Api)
        .env("MM_CLIENT_IP_HEADER", "x-forwarded-for")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let attempt = |password: &str, ip: &str| {
        new_client()
            .post(app.url("/api/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": "ed@mm.test", "password": password}))
            .send()
    };
    for _ in 0..10 {
        let r = attempt("wrong wrong wrong", "198.51.100.7").await.unwrap();
        assert_eq!(r.status(), 401);
    }
    // The guesser now waits, told for how long.
    let r = attempt("wrong wrong wrong", "198.51.100.7").await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    // The owner, elsewhere, signs in at once: ten wrong passwords lock nobody out.
    let r = attempt(PASSWORD, "203.0.113.20").await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn svg_is_never_accepted_as_an_image() {
    let t = Ingest::start(&[]).await;
    for body in [
        json!({"filename": "logo.svg", "size": 100}),
        json!({"filename": "logo.png", "size": 100, "content_type": "image/svg+xml"}),
        json!({"filename": "logo.PNG", "size": 100, "content_type": "IMAGE/SVG+XML; charset=utf-8"}),
    ] {
        let answer = t.post("/api/uploads", body.clone()).await;
        refused(&answer, 400, "unsupported-type");
    }
    let answer = t
        .post(
            "/api/presign",
            json!({"key": "staging/x/logo.png", "contentType": "image/svg+xml"}),
        )
        .await;
    refused(&answer, 400, "unsupported-type");
    assert_eq!(rows(&t.app, "uploads"), 0, "nothing was recorded");
}

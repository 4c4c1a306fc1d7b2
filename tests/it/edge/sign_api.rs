//! Signing for players: `POST /api/sign-preview` and `mm sign` issue URLs the edge plays, scoped
//! to the playlist's directory, with bounded lifetimes, refusing anything outside `previews/`.

use super::{put, storage_of};
use crate::harness::{ApiClient, TestApp, count, data, mm_bin, parts, seed_token, seed_user};
use mm::auth::{Permission as P, Role as UserRole};
use mm::config::Role;
use serde_json::{Value, json};

/// An API token of a Viewer with exactly `scopes`.
pub fn viewer_token(app: &TestApp, scopes: &[P]) -> String {
    let email = format!("viewer-{}@mm.test", uuid::Uuid::new_v4().simple());
    let user = seed_user(app, &email, UserRole::Viewer);
    seed_token(app, &user, scopes, 3600).1
}

pub async fn sign_as(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    match token {
        Some(t) => {
            ApiClient::bearer(app, t)
                .post("/api/sign-preview", &body)
                .await
        }
        None => {
            let r = app.client.post(app.url("/api/sign-preview")).json(&body);
            parts(r.send().await.unwrap()).await
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_preview_issues_urls_the_edge_plays() {
    let app = TestApp::spawn(Role::All).await;
    let storage = storage_of(&app).await;
    // A prefix is signed only for an asset that exists (and its own version).
    let owner = seed_user(&app, "owner@mm.test", UserRole::Editor);
    let seeded: std::collections::HashMap<_, _> = crate::ingest::seed_for_matrix(&app, owner.id)
        .into_iter()
        .collect();
    let p = format!("previews/{}/{}", seeded["{asset}"], seeded["{version}"]);
    put(&storage, &format!("{p}/index.m3u8"), "#EXTM3U\n").await;
    put(&storage, &format!("{p}/720p/seg_001.m4s"), data(100, 7)).await;
    let token = viewer_token(&app, &[P::PreviewsSign, P::AssetsRead]);
    let sign = |body: Value| sign_as(&app, Some(&token), body);

    // Only signed-in callers allowed to play previews.
    let target = json!({"preview_prefix": p});
    let (status, body) = sign_as(&app, None, target.clone()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let reader = viewer_token(&app, &[P::AssetsRead]);
    let (status, _) = sign_as(&app, Some(&reader), target.clone()).await;
    assert_eq!(status, 403);
    let player = viewer_token(&app, &[P::PreviewsSign]);
    let (status, _) = sign_as(&app, Some(&player), json!({"asset_id": "x"})).await;
    assert_eq!(status, 403, "an asset's preview also needs assets:read");

    let now = mm::signing::now();
    let (status, body) = sign(target).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["edge"], true);
    let exp = body["exp"].as_u64().unwrap();
    assert!(
        (now + 3600..now + 3700).contains(&exp),
        "default lifetime 1 h: {exp}"
    );
    let url = body["url"].as_str().unwrap();
    assert!(url.starts_with(&app.url("/s/")), "{url}");
    assert!(url.ends_with(&format!("/{p}/index.m3u8")), "{url}");
    let r = app.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "#EXTM3U\n");
    // A relative URI resolved against the playlist URL inherits the token.
    let seg = url::Url::parse(url)
        .unwrap()
        .join("720p/seg_001.m4s")
        .unwrap();
    let r = app.client.get(seg).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data(100, 7)[..]);

    // The old contract's names.
    let (status, body) =
        sign(json!({"preview_prefix": p, "playlist": "index.m3u8", "expSec": 120})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["exp"].as_u64().unwrap() <= mm::signing::now() + 120);
    // A playlist path grants its directory.
    let (status, body) = sign(json!({"preview_prefix": format!("{p}/index.m3u8")})).await;
    assert_eq!(status, 200, "{body}");
    let r = app
        .client
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    for (req, code) in [
        (
            json!({"preview_prefix": "previews/a/v1", "exp_sec": 0}),
            "invalid-expiry",
        ),
        (
            json!({"preview_prefix": "previews/a/v1", "exp_sec": 86_401}),
            "invalid-expiry",
        ),
        (json!({"preview_prefix": "masters/a/v1/"}), "invalid-prefix"),
        (
            json!({"preview_prefix": "previews/../masters/"}),
            "invalid-prefix",
        ),
        (
            json!({"preview_prefix": "previews/a/%2e%2e/"}),
            "invalid-prefix",
        ),
        (json!({"preview_prefix": "previews/"}), "invalid-prefix"),
        (json!({"preview_prefix": ""}), "invalid-prefix"),
        (
            json!({"preview_prefix": "previews/a/", "playlist": "../x.m3u8"}),
            "invalid-prefix",
        ),
        (json!({}), "missing-target"),
        (
            json!({"preview_prefix": "previews/a/", "asset_id": "x"}),
            "ambiguous-target",
        ),
        (json!({"preview_prefix": 7}), "invalid-json"),
    ] {
        let (status, body) = sign(req.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some(code)), "{req}");
    }
    // Each URL issued is in the audit log; refusals are not.
    let issued = count(
        &app,
        "select count(*) as n from audit_log where action = 'preview.sign'",
    );
    assert_eq!(issued, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn mm_sign_prints_a_url_the_edge_plays() {
    let app = TestApp::spawn(Role::Edge).await;
    put(
        &storage_of(&app).await,
        "previews/a/v1/index.m3u8",
        "#EXTM3U\n",
    )
    .await;
    let keys = app.env["MM_EDGE_KEYS"].clone();
    let run = |args: &[&str], keys: &str| {
        mm_bin()
            .args(args)
            .env("MM_EDGE_KEYS", keys)
            .env("MM_EDGE_PUBLIC_BASE", app.url(""))
            .output()
            .unwrap()
    };
    let out = run(&["sign", "previews/a/v1/", "--ttl", "10m"], &keys);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(url.ends_with("/previews/a/v1/index.m3u8"), "{url}");
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);

    for (args, keys, says) in [
        (
            &["sign", "previews/a/v1/", "--ttl", "48h"][..],
            keys.as_str(),
            "MM_SIGN_MAX_SECONDS",
        ),
        (
            &["sign", "previews/a/v1/", "--ttl", "soon"][..],
            keys.as_str(),
            "--ttl",
        ),
        (&["sign", "masters/a/"][..], keys.as_str(), "previews/"),
        (&["sign", "previews/a/"][..], "", "MM_EDGE_KEYS"),
    ] {
        let out = run(args, keys);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_preview_by_asset_grants_its_current_version() {
    let t = crate::ingest::Ingest::start(&[]).await;
    let done = t
        .upload("clip.mov", &crate::harness::data(1000, 7), json!({}))
        .await;
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let asset = done["asset_id"].as_str().unwrap().to_string();
    let version = done["version_id"].as_str().unwrap();
    let prefix = format!("previews/{asset}/{version}/");
    let storage = storage_of(&t.app).await;
    put(&storage, &format!("{prefix}index.m3u8"), "#EXTM3U\n").await;

    let (status, body) = t
        .post("/api/sign-preview", json!({"asset_id": asset}))
        .await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/{prefix}index.m3u8")), "{url}");
    let r = t.app.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "#EXTM3U\n");

    let unknown = uuid::Uuid::new_v4().to_string();
    for (id, status, code) in [
        (unknown.as_str(), 404, "asset-not-found"),
        ("not-a-uuid", 400, "invalid-asset-id"),
    ] {
        let (s, body) = t.post("/api/sign-preview", json!({"asset_id": id})).await;
        assert_eq!((s, body["code"].as_str()), (status, Some(code)), "{id}");
    }
    let (s, _) = t
        .call(
            reqwest::Method::DELETE,
            format!("/api/assets/{asset}"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, body) = t
        .post("/api/sign-preview", json!({"asset_id": asset}))
        .await;
    assert_eq!((s, body["code"].as_str()), (404, Some("asset-not-found")));
}

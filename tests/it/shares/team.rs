//! The team's side: a share answered once with its URL and stored as a hash, listed, changed,
//! revoked and audited; review sets in order; every bad input refused with nothing stored.

use super::{gsend, guest, share};
use crate::harness::TestApp;
use crate::harness::{ApiClient, count, parts, seed_user};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_share_is_answered_once_stored_as_a_hash_changed_and_revoked() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
    app.allow_unfinished_jobs("no worker here: the proxy job a link queues runs in proxy.rs");
    let body = json!({"asset_ids": [asset], "permissions": "comment", "allow_download": "proxy",
        "expires_at": "2099-01-01T00:00:00Z", "password": "a long enough secret"});
    let (s, b) = parts(ed.send(Method::POST, "/api/shares", Some(&body)).await).await;
    assert_eq!(s, 201, "{b}");
    let url = b["url"].as_str().unwrap();
    let token = url
        .strip_prefix(&format!("{}/r/", app.url("")))
        .unwrap_or_else(|| panic!("{url}"));
    assert_eq!(token.len(), 43, "256 random bits in base64url");
    assert!(
        token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    let id = b["id"].as_str().unwrap();
    assert_eq!(b["share"]["has_password"], true);
    assert_eq!(b["share"]["state"], "active");
    // Only the SHA-256 of the token is kept; the token itself is nowhere in the row.
    let hash = hex::encode(mm::auth::sha256(token.as_bytes()));
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) AS n FROM shares WHERE token_hash = decode('{hash}', 'hex')")
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM shares WHERE row_to_json(shares)::text LIKE '%{token}%'"
            )
        ),
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM shares WHERE password_hash LIKE '$argon2id$%'"
        ),
        1
    );

    // Listed (by asset too) without the URL or the token.
    let (s, l) = parts(
        ed.send(Method::GET, &format!("/api/shares?asset_id={asset}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(l["shares"][0]["id"], id);
    assert!(!l.to_string().contains(token) && !l.to_string().contains("argon2"));
    let (_, other) = parts(
        ed.send(
            Method::GET,
            &format!("/api/shares?asset_id={}", uuid::Uuid::new_v4()),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(other["shares"], json!([]));

    let patch = json!({"permissions": "approve", "expires_at": null, "password": null});
    let (s, p) = parts(
        ed.send(Method::PATCH, &format!("/api/shares/{id}"), Some(&patch))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["permissions"], "approve");
    assert_eq!(p["expires_at"], json!(null));
    assert_eq!(p["has_password"], false);

    let g = guest();
    let (s, _) = gsend(&app, &g, Method::GET, token, "/share", None).await;
    assert_eq!(s, 200);
    let r = ed
        .send(Method::DELETE, &format!("/api/shares/{id}"), None)
        .await;
    assert_eq!(r.status(), 204);
    let (s, e) = gsend(&app, &g, Method::GET, token, "/share", None).await;
    assert_eq!((s, e["code"].as_str()), (410, Some("share-revoked")));
    let (_, v) = parts(
        ed.send(Method::GET, &format!("/api/shares/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(v["state"], "revoked");
    // A revoked link stays revoked.
    let (s, _) = parts(
        ed.send(
            Method::PATCH,
            &format!("/api/shares/{id}"),
            Some(&json!({"permissions": "view"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 409);
    for action in ["share.create", "share.update", "share.revoke"] {
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT count(*) AS n FROM audit_log WHERE action = '{action}' AND target_id = '{id}'"
                )
            ),
            1,
            "{action}"
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE details::text LIKE '%a long enough secret%'"
        ),
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_share_input_is_refused_with_nothing_stored() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vi@mm.test", UserRole::Viewer);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let vi = ApiClient::login(&app, "vi@mm.test").await;
    let (asset, _) = seed_video(&app, DF_2997);
    // An asset without any version yet.
    let bare = uuid::Uuid::new_v4();
    crate::harness::exec(
        &app,
        &format!(
            "INSERT INTO assets (id, title, media_type, filename, size_bytes, status, version_count) VALUES ('{bare}', 'Bare', 'video', 'b.mov', 1, 'stored', 0)"
        ),
    );
    let unknown = uuid::Uuid::new_v4();
    let cases = [
        (json!({}), 400, "invalid-share"),
        (
            json!({"asset_ids": [asset], "set_id": unknown}),
            400,
            "invalid-share",
        ),
        (json!({"asset_ids": []}), 400, "invalid-assets"),
        (json!({"asset_ids": [asset, asset]}), 400, "invalid-assets"),
        (json!({"asset_ids": [unknown]}), 404, "not-found"),
        (json!({"asset_ids": [bare]}), 409, "no-version"),
        (json!({"set_id": unknown}), 404, "not-found"),
        (
            json!({"asset_ids": [asset], "permissions": "admin"}),
            400,
            "invalid-share",
        ),
        (
            json!({"asset_ids": [asset], "allow_download": "all"}),
            400,
            "invalid-share",
        ),
        (
            json!({"asset_ids": [asset], "version": "latest"}),
            400,
            "invalid-share",
        ),
        (
            json!({"asset_ids": [asset], "expires_at": "2001-01-01T00:00:00Z"}),
            400,
            "invalid-expiry",
        ),
        (
            json!({"asset_ids": [asset], "expires_at": "tomorrow"}),
            400,
            "invalid-json",
        ),
        (
            json!({"asset_ids": [asset], "password": "short"}),
            400,
            "invalid-password",
        ),
        (
            json!({"asset_ids": [asset], "title": ""}),
            400,
            "invalid-title",
        ),
        (
            json!({"asset_ids": [asset], "owner": "me"}),
            400,
            "invalid-json",
        ),
        (json!({"asset_ids": ["not-a-uuid"]}), 400, "invalid-json"),
    ];
    for (body, status, code) in cases {
        let (s, b) = parts(ed.send(Method::POST, "/api/shares", Some(&body)).await).await;
        assert_eq!(s, status, "{body}: {b}");
        assert_eq!(b["code"], code, "{body}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // A viewer may not share.
    let (s, _) = parts(
        vi.send(
            Method::POST,
            "/api/shares",
            Some(&json!({"asset_ids": [asset]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM shares"), 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'share.%'"
        ),
        0
    );

    let (id, _) = share(&ed, json!({"asset_ids": [asset]})).await;
    for (body, code) in [
        (json!({}), "nothing-to-change"),
        (json!({"permissions": "all"}), "invalid-share"),
        (
            json!({"expires_at": "2001-01-01T00:00:00Z"}),
            "invalid-expiry",
        ),
        (json!({"password": "short"}), "invalid-password"),
        (json!({"asset_ids": [asset]}), "invalid-json"),
    ] {
        let (s, b) = parts(
            ed.send(Method::PATCH, &format!("/api/shares/{id}"), Some(&body))
                .await,
        )
        .await;
        assert_eq!(
            (s, b["code"].as_str().unwrap_or_default()),
            (400, code),
            "{body}: {b}"
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM shares WHERE permissions = 'view' AND expires_at IS NULL AND password_hash IS NULL"
        ),
        1
    );
    for path in [
        format!("/api/shares/{unknown}"),
        format!("/api/shares/{unknown}/activity"),
    ] {
        let (s, _) = parts(ed.send(Method::GET, &path, None).await).await;
        assert_eq!(s, 404, "{path}");
    }
    let r = ed
        .send(Method::DELETE, &format!("/api/shares/{unknown}"), None)
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn review_sets_keep_their_order_and_share_as_one_link() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vi@mm.test", UserRole::Viewer);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let vi = ApiClient::login(&app, "vi@mm.test").await;
    let (a, _) = seed_video(&app, DF_2997);
    let (b, _) = seed_video(&app, DF_2997);
    let (c, _) = seed_video(&app, DF_2997);
    let (s, set) = parts(
        ed.send(
            Method::POST,
            "/api/review-sets",
            Some(&json!({"name": " Spots ", "asset_ids": [c, a, b]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{set}");
    assert_eq!(set["name"], "Spots");
    assert_eq!(set["asset_ids"], json!([c, a, b]));
    let sid = set["id"].as_str().unwrap().to_string();
    let (s, set2) = parts(
        ed.send(
            Method::PATCH,
            &format!("/api/review-sets/{sid}"),
            Some(&json!({"asset_ids": [b, c]})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 200, "{set2}");
    assert_eq!(set2["asset_ids"], json!([b, c]));
    // Viewers read sets (to filter the library) but cannot change them.
    let (s, l) = parts(vi.send(Method::GET, "/api/review-sets", None).await).await;
    assert_eq!(
        (s, l["review_sets"][0]["id"].as_str()),
        (200, Some(sid.as_str()))
    );
    let (s, _) = parts(
        vi.send(
            Method::PATCH,
            &format!("/api/review-sets/{sid}"),
            Some(&json!({"name": "x"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    for (body, status) in [
        (json!({"name": ""}), 400),
        (json!({"name": "x".repeat(201)}), 400),
        (json!({"asset_ids": [uuid::Uuid::new_v4()]}), 404),
        (json!({"asset_ids": [a, a]}), 400),
        (json!({}), 400),
    ] {
        let (s, e) = parts(
            ed.send(
                Method::PATCH,
                &format!("/api/review-sets/{sid}"),
                Some(&body),
            )
            .await,
        )
        .await;
        assert_eq!(s, status, "{body}: {e}");
    }
    assert_eq!(count(&app, "SELECT count(*) AS n FROM review_sets"), 1);

    // A share of the set shows its assets in the set's order, and no other.
    let (_, token) = share(&ed, json!({"set_id": sid})).await;
    let g = guest();
    let (s, sum) = gsend(&app, &g, Method::GET, &token, "/share", None).await;
    assert_eq!(s, 200, "{sum}");
    assert_eq!(sum["title"], "Spots");
    let ids: Vec<&str> = sum["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b.to_string(), c.to_string()]);
    let (s, _) = gsend(
        &app,
        &g,
        Method::GET,
        &token,
        &format!("/assets/{a}/comments"),
        None,
    )
    .await;
    assert_eq!(s, 404, "an asset of the studio that is not in the set");

    // The library filters by set.
    let (s, lib) = parts(
        vi.send(Method::GET, &format!("/api/assets?set={sid}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{lib}");
    let mut got: Vec<String> = lib["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![b.to_string(), c.to_string()];
    want.sort();
    assert_eq!(got, want);

    let r = ed
        .send(Method::DELETE, &format!("/api/review-sets/{sid}"), None)
        .await;
    assert_eq!(r.status(), 204);
    let (s, _) = parts(
        ed.send(Method::GET, &format!("/api/review-sets/{sid}"), None)
            .await,
    )
    .await;
    assert_eq!(s, 404);
}

//! Idempotency-Key: the same key and body answer the first result without creating again;
//! another body is 422; keys are bounded and private to their user; after 24 hours a key is
//! new again, and the sweep removes it.

use crate::harness::caller;
use crate::ingest::{Ingest, refused};
use mm::auth::Role as UserRole;
use reqwest::Method;
use serde_json::{Value, json};

async fn post_with_key(
    ing: &Ingest,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, Value, Option<String>) {
    let r = ing
        .app
        .client
        .post(ing.app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_string());
    (status, r.json().await.unwrap_or(Value::Null), replayed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_upload_start_answers_the_first_upload() {
    let ing = Ingest::with_role(mm::config::Role::Api, &[]).await;
    let body = json!({"filename": "cut.mov", "size": 1000});
    let (s, first, replayed) = post_with_key(&ing, &ing.token, "/api/uploads", "k-1", &body).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(replayed, None);
    let (s, again, replayed) = post_with_key(&ing, &ing.token, "/api/uploads", "k-1", &body).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(again, first);
    assert_eq!(crate::harness::rows(&ing.app, "uploads"), 1);

    // The same key with another body: refused, nothing made.
    let other = json!({"filename": "cut.mov", "size": 2000});
    let (s, e, _) = post_with_key(&ing, &ing.token, "/api/uploads", "k-1", &other).await;
    refused(&(s, e), 422, "idempotency-key-reused");
    // Keys are bounded and printable.
    for bad in ["x".repeat(256), "has space".to_string()] {
        let (s, e, _) = post_with_key(&ing, &ing.token, "/api/uploads", &bad, &body).await;
        refused(&(s, e), 400, "invalid-idempotency-key");
    }
    assert_eq!(crate::harness::rows(&ing.app, "uploads"), 1);

    // Another user's identical key is theirs: a new upload.
    let (_, editor) = caller(&ing.app, "editor@mm.test", UserRole::Editor);
    let (s, theirs, replayed) = post_with_key(&ing, &editor, "/api/uploads", "k-1", &body).await;
    assert_eq!((s, replayed), (201, None), "{theirs}");
    assert_ne!(theirs["upload_id"], first["upload_id"]);
    assert_eq!(crate::harness::rows(&ing.app, "uploads"), 2);

    // A refusal that may go away is not kept: after a 4xx like 401 the key is still free.
    let (s, _, _) = post_with_key(&ing, "mm_wrong", "/api/uploads", "k-2", &body).await;
    assert_eq!(s, 401);
    assert_eq!(crate::harness::rows(&ing.app, "idempotency_keys"), 2);

    // After 24 hours the key is new again, and the sweep removes expired keys.
    crate::harness::exec(
        &ing.app,
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'",
    );
    let (s, later, replayed) = post_with_key(&ing, &ing.token, "/api/uploads", "k-1", &body).await;
    assert_eq!((s, replayed), (201, None), "{later}");
    assert_ne!(later["upload_id"], first["upload_id"]);
    assert_eq!(crate::harness::rows(&ing.app, "uploads"), 3);
    let removed = mm::idempotency::sweep(&ing.state.db).await.unwrap();
    assert_eq!(removed, 1, "the editor's expired key");
    assert_eq!(crate::harness::rows(&ing.app, "idempotency_keys"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_token_or_webhook_creation_answers_the_first() {
    let ing = Ingest::with_role(mm::config::Role::Api, &[]).await;
    let body = json!({"name": "edit bay", "scopes": ["assets:read"]});
    let (s, first, _) = post_with_key(&ing, &ing.token, "/api/tokens", "tok-7", &body).await;
    assert_eq!(s, 201, "{first}");
    let (s, again, replayed) = post_with_key(&ing, &ing.token, "/api/tokens", "tok-7", &body).await;
    assert_eq!((s, replayed.as_deref()), (201, Some("true")));
    assert_eq!(again["id"], first["id"]);
    let (_, list) = ing.call(Method::GET, "/api/tokens", None).await;
    let named: Vec<_> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "edit bay")
        .collect();
    assert_eq!(named.len(), 1, "{list}");

    // The same key on another route is another request: refused.
    let (s, e, _) = post_with_key(&ing, &ing.token, "/api/uploads", "tok-7", &body).await;
    refused(&(s, e), 422, "idempotency-key-reused");

    let (_, admin) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    let hook = json!({"url": "https://8.8.8.8/mm", "events": ["asset.ready"]});
    let (s, w1, _) = post_with_key(&ing, &admin, "/api/webhooks", "hook-1", &hook).await;
    assert_eq!(s, 201, "{w1}");
    let (s, w2, _) = post_with_key(&ing, &admin, "/api/webhooks", "hook-1", &hook).await;
    assert_eq!(s, 201);
    assert_eq!(w2["id"], w1["id"]);
    assert_eq!(crate::harness::rows(&ing.app, "webhook_endpoints"), 1);
}

//! The private-address guard: refused at registration without MM_WEBHOOK_ALLOW_PRIVATE, and
//! again at delivery (an endpoint row pointing at loopback is never connected to); an
//! endpoint whose every delivery failed for MM_WEBHOOK_DISABLE_AFTER is disabled, saying why.

use super::Receiver;
use crate::harness::caller;
use crate::ingest::{Ingest, refused};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn private_addresses_and_bad_bodies_are_refused_at_registration() {
    let ing = Ingest::with_role(mm::config::Role::Api, &[]).await;
    let (_, admin) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    let post = |body: serde_json::Value| {
        let admin = admin.clone();
        let ing = &ing;
        async move {
            ing.call_as(&admin, Method::POST, "/api/webhooks", Some(body))
                .await
        }
    };
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
    ] {
        let r = post(json!({"url": url, "events": ["asset.ready"]})).await;
        refused(&r, 400, "webhook-url-refused");
    }
    for (body, code) in [
        (
            json!({"url": "ftp://8.8.8.8/x", "events": ["asset.ready"]}),
            "invalid-url",
        ),
        (
            json!({"url": "not a url", "events": ["asset.ready"]}),
            "invalid-url",
        ),
        (
            json!({"url": "https://u:p@8.8.8.8/x", "events": ["asset.ready"]}),
            "invalid-url",
        ),
        (
            json!({"url": "https://8.8.8.8/x", "events": ["asset.exploded"]}),
            "unknown-event",
        ),
        (
            json!({"url": "https://8.8.8.8/x", "events": []}),
            "unknown-event",
        ),
        (
            json!({"url": "https://8.8.8.8/x", "events": ["asset.ready"], "description": "d".repeat(501)}),
            "description-too-long",
        ),
    ] {
        refused(&post(body).await, 400, code);
    }
    assert_eq!(crate::harness::rows(&ing.app, "webhook_endpoints"), 0);
    // A public address is accepted; a Manager may not register one.
    let (s, ok) = post(json!({"url": "https://8.8.8.8/mm", "events": ["asset.ready"]})).await;
    assert_eq!(s, 201, "{ok}");
    let r = ing
        .post(
            "/api/webhooks",
            json!({"url": "https://8.8.8.8/x", "events": ["asset.ready"]}),
        )
        .await;
    assert_eq!(r.0, 403, "{}", r.1);
    let r = ing
        .call_as(
            &admin,
            Method::PATCH,
            format!("/api/webhooks/{}", ok["id"].as_str().unwrap()),
            Some(json!({"url": "http://127.0.0.1/x"})),
        )
        .await;
    refused(&r, 400, "webhook-url-refused");
}

#[tokio::test(flavor = "multi_thread")]
async fn delivery_refuses_a_loopback_endpoint_and_disables_it_after_days_of_failure() {
    let ing = Ingest::start(&[("MM_WEBHOOK_MAX_ATTEMPTS", "2")]).await;
    let (_, admin) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    let rx = Receiver::start(0).await;
    // Registered while it pointed elsewhere, say, and failing for four days already.
    let id = uuid::Uuid::new_v4();
    // A name, so the check is the one after DNS resolution.
    let url = format!("http://localhost:{}/hook", rx.port);
    crate::harness::exec(
        &ing.app,
        &format!(
            "INSERT INTO webhook_endpoints (id, url, events, secret, failing_since) VALUES \
         ('{id}', '{url}', '{{comment.created}}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now() - interval '4 days')"
        ),
    );
    let (asset, _) = seed_video(&ing.app, DF_2997);
    let (s, c) = ing
        .post(
            format!("/api/assets/{asset}/comments"),
            json!({"frame": 0, "body": "hi"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let path = format!("/api/webhooks/{id}");
    let mut endpoint = json!(null);
    for _ in 0..200 {
        endpoint = ing.call_as(&admin, Method::GET, path.clone(), None).await.1;
        if endpoint["enabled"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(endpoint["enabled"], false, "{endpoint}");
    let reason = endpoint["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("every delivery failed"), "{reason}");
    assert!(reason.contains("loopback"), "{reason}");
    // Never connected to: the guard refused the resolved address.
    assert!(rx.received().is_empty());
    let (_, log) = ing
        .call_as(&admin, Method::GET, format!("{path}/deliveries"), None)
        .await;
    let d = &log["deliveries"][0];
    assert_eq!(d["state"], "failed", "{log}");
    assert_eq!(d["log"][0]["status"], json!(null));
    let error = d["log"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("localhost resolves to") && error.contains("loopback"),
        "{error}"
    );
    // Enabling it again clears the reason and the streak.
    let (s, e) = ing
        .call_as(
            &admin,
            Method::PATCH,
            path.clone(),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["enabled"], true);
    assert_eq!(e["disabled_reason"], json!(null));
    assert_eq!(e["failing_since"], json!(null));
}

//! Deliveries to a real local endpoint, verified by `standardwebhooks`: every event kind, the
//! retry after a 500 with the same `webhook-id`, the delivery log and redelivery.

use super::{Receiver, verify_with_standardwebhooks};
use crate::harness::{ApiClient, caller, data};
use crate::ingest::Ingest;
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

fn of_type<'a>(payloads: &'a [Value], t: &str) -> Vec<&'a Value> {
    payloads.iter().filter(|p| p["type"] == t).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_arrives_signed_and_a_500_is_retried_with_the_same_id() {
    let ing = Ingest::start(&[
        ("MM_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("MM_WEBHOOK_MAX_ATTEMPTS", "4"),
    ])
    .await;
    let (admin, admin_token) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    let rx = Receiver::start(1).await;
    let (s, created) = ing
        .call_as(
            &admin_token,
            Method::POST,
            "/api/webhooks",
            Some(json!({
                "url": rx.url("/hooks/mm"),
                "events": mm::webhooks::EVENTS,
                "description": "tracker",
            })),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let hook = created["id"].as_str().unwrap().to_string();
    // The secret is shown once: never in a later answer.
    let (_, one) = ing
        .call_as(
            &admin_token,
            Method::GET,
            format!("/api/webhooks/{hook}"),
            None,
        )
        .await;
    assert!(one.get("secret").is_none(), "{one}");
    assert_eq!(one["events"].as_array().unwrap().len(), 6);

    // upload.completed, then asset.failed: these bytes are no video.
    let done = ing.upload("clip.mov", &data(64 << 10, 7), json!({})).await;
    let asset = done["asset_id"].as_str().unwrap().to_string();
    let version = done["version_id"].as_str().unwrap().to_string();
    // comment.created and review.decided on a ready video; asset.deleted.
    let (ready, ready_v) = seed_video(&ing.app, DF_2997);
    let (s, c) = ing
        .post(
            format!("/api/assets/{ready}/comments"),
            json!({"frame": 30, "body": "logo early"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, d) = ing
        .post(
            format!("/api/versions/{ready_v}/decisions"),
            json!({"decision": "changes_requested", "note": "see comment"}),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let (s, _) = ing
        .call(Method::DELETE, format!("/api/assets/{ready}"), None)
        .await;
    assert!((200..300).contains(&s), "{s}");

    let kinds = [
        "upload.completed",
        "asset.failed",
        "comment.created",
        "review.decided",
        "asset.deleted",
    ];
    // Each kind once, plus the first delivery again after its 500.
    let got = rx
        .wait("every event and the retry", |g| g.len() > kinds.len())
        .await;
    assert!(got.iter().all(|r| r.path == "/hooks/mm"));
    let payloads = verify_with_standardwebhooks(&secret, &got);
    assert_eq!(payloads.len(), got.len());
    for k in kinds {
        assert!(!of_type(&payloads, k).is_empty(), "no {k} in {payloads:#?}");
    }
    // The retry carries the id of the delivery that got 500, freshly signed.
    let first_id = &got[0].headers["webhook-id"];
    let again: Vec<_> = got
        .iter()
        .filter(|r| &r.headers["webhook-id"] == first_id)
        .collect();
    assert_eq!(again.len(), 2, "{got:#?}");
    assert!(first_id.starts_with("msg_"));

    let up = of_type(&payloads, "upload.completed")[0];
    assert_eq!(up["data"]["asset"]["id"], asset);
    assert_eq!(up["data"]["version"]["id"], version);
    assert_eq!(up["data"]["version"]["number"], 1);
    assert_eq!(up["data"]["actor"]["type"], "user");
    assert_eq!(up["data"]["actor"]["email"], "manager@mm.test");
    let failed = of_type(&payloads, "asset.failed")[0];
    assert_eq!(failed["data"]["version"]["id"], version);
    assert_eq!(
        failed["data"]["actor"],
        json!({"type": "system", "name": "worker"})
    );
    assert!(
        failed["data"]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    let com = of_type(&payloads, "comment.created")[0];
    assert_eq!(com["data"]["asset"]["id"], ready.to_string());
    assert_eq!(com["data"]["version"]["id"], ready_v.to_string());
    assert_eq!(com["data"]["comment"]["id"], c["id"]);
    assert_eq!(com["data"]["comment"]["body"], "logo early");
    let dec = of_type(&payloads, "review.decided")[0];
    assert_eq!(dec["data"]["decision"]["decision"], "changes_requested");
    assert_eq!(
        dec["data"]["decision"]["review_status"],
        "changes_requested"
    );
    let del = of_type(&payloads, "asset.deleted")[0];
    assert_eq!(del["data"]["asset"]["title"], "Spot 30s");
    assert_eq!(del["data"]["version"]["id"], ready_v.to_string());

    // The log: the retried delivery shows its 500 and its 200, with latency and excerpts.
    let log_path = format!("/api/webhooks/{hook}/deliveries");
    let wait_log = |want: usize| {
        let path = log_path.clone();
        let token = admin_token.clone();
        let ing = &ing;
        async move {
            for _ in 0..100 {
                let (_, log) = ing.call_as(&token, Method::GET, path.clone(), None).await;
                let ds = log["deliveries"].as_array().cloned().unwrap_or_default();
                if ds.len() >= want && ds.iter().all(|d| d["state"] == "succeeded") {
                    return ds;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("the delivery log never settled");
        }
    };
    let ds = wait_log(kinds.len()).await;
    assert_eq!(ds.len(), kinds.len(), "{ds:#?}");
    let retried = ds.iter().find(|d| &d["event_id"] == first_id).unwrap();
    assert_eq!(retried["attempts"], 2);
    let log = retried["log"].as_array().unwrap();
    assert_eq!(log[0]["status"], 500);
    assert_eq!(log[0]["response"], "not yet");
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["response"], "thanks");
    assert!(log.iter().all(|a| a["latency_ms"].as_i64().unwrap() >= 0));

    // Redeliver: the same event (same webhook-id) arrives once more, as a new delivery.
    let one_delivery = ds[0]["id"].as_str().unwrap();
    let (s, r) = ing
        .call_as(
            &admin_token,
            Method::POST,
            format!("/api/webhooks/{hook}/deliveries/{one_delivery}/redeliver"),
            None,
        )
        .await;
    assert_eq!(s, 202, "{r}");
    let before = got.len();
    let got = rx.wait("the redelivery", |g| g.len() > before).await;
    let last = got.last().unwrap();
    assert_eq!(
        last.headers["webhook-id"],
        ds[0]["event_id"].as_str().unwrap()
    );
    verify_with_standardwebhooks(&secret, &got[before..]);
    assert_eq!(wait_log(kinds.len() + 1).await.len(), kinds.len() + 1);

    // The admin page lists the endpoint; its log page shows the attempts.
    let _ = admin;
    let page = ApiClient::login(&ing.app, "admin@mm.test").await;
    let html = page
        .send(Method::GET, "/admin/webhooks", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&rx.url("/hooks/mm")), "{html}");
    let html = page
        .send(Method::GET, &format!("/admin/webhooks/{hook}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("not yet") && html.contains("Redeliver"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_attempt_past_the_timeout_counts_as_failed_and_is_retried() {
    let ing = Ingest::start(&[
        ("MM_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("MM_WEBHOOK_TIMEOUT", "1"),
    ])
    .await;
    let (_, admin) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    // The first answer would come after 5 s: the attempt gives up at 1 s.
    let rx = Receiver::start_with(1, std::time::Duration::from_secs(5)).await;
    let (s, created) = ing
        .call_as(
            &admin,
            Method::POST,
            "/api/webhooks",
            Some(json!({"url": rx.url("/slow"), "events": ["comment.created"]})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let hook = created["id"].as_str().unwrap();
    let (asset, _) = seed_video(&ing.app, DF_2997);
    let (s, _) = ing
        .post(
            format!("/api/assets/{asset}/comments"),
            json!({"frame": 0, "body": "slow"}),
        )
        .await;
    assert_eq!(s, 201);
    let got = rx
        .wait("the retry after the timeout", |g| g.len() >= 2)
        .await;
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"]);
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(verify_with_standardwebhooks(secret, &got).len(), 2);
    let mut d = json!(null);
    for _ in 0..100 {
        let (_, log) = ing
            .call_as(
                &admin,
                Method::GET,
                format!("/api/webhooks/{hook}/deliveries"),
                None,
            )
            .await;
        d = log["deliveries"][0].clone();
        if d["state"] == "succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(d["state"], "succeeded", "{d}");
    let first = &d["log"][0];
    assert_eq!(first["status"], json!(null), "{d}");
    assert!(
        first["error"].as_str().unwrap().contains("timed out"),
        "{d}"
    );
    let took = first["latency_ms"].as_i64().unwrap();
    assert!((900..4000).contains(&took), "{took} ms");
    assert_eq!(d["log"][1]["status"], 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_emitted_while_no_worker_runs_is_delivered_once_one_starts() {
    use mm::queue::consumer::Consumer;
    use mm::queue::{Registry, WorkerStatus};
    // The api alone: the event and its delivery job wait in PostgreSQL.
    let ing = Ingest::with_role(
        mm::config::Role::Api,
        &[("MM_WEBHOOK_ALLOW_PRIVATE", "true")],
    )
    .await;
    let (_, admin) = caller(&ing.app, "admin@mm.test", UserRole::Admin);
    let rx = Receiver::start(0).await;
    let (s, created) = ing
        .call_as(
            &admin,
            Method::POST,
            "/api/webhooks",
            Some(json!({"url": rx.url("/later"), "events": ["comment.created"]})),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let (asset, _) = seed_video(&ing.app, DF_2997);
    let (s, _) = ing
        .post(
            format!("/api/assets/{asset}/comments"),
            json!({"frame": 0, "body": "while the worker is down"}),
        )
        .await;
    assert_eq!(s, 201);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert!(rx.received().is_empty());
    assert_eq!(crate::harness::rows(&ing.app, "webhook_events"), 1);
    assert_eq!(crate::harness::rows(&ing.app, "webhook_deliveries"), 1);

    // A worker starts later and delivers it.
    let stop = tokio_util::sync::CancellationToken::new();
    let consumer = Consumer::new(ing.state.clone(), Registry::builtin());
    let handle = tokio::spawn(consumer.run(Arc::new(WorkerStatus::default()), stop.clone()));
    let got = rx
        .wait("the delivery after the worker started", |g| !g.is_empty())
        .await;
    let secret = created["secret"].as_str().unwrap();
    let payloads = verify_with_standardwebhooks(secret, &got);
    assert_eq!(
        payloads[0]["data"]["comment"]["body"],
        "while the worker is down"
    );
    stop.cancel();
    handle.await.unwrap();
}

//! Request metrics keep closed label sets whatever methods strangers send, and `/metrics` can
//! be closed with a bearer token.

use crate::harness::TestApp;
use mm::config::Role;

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The series in an exposition (lines that are not comments).
fn series(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.starts_with('#')).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn invented_methods_add_no_series() {
    let app = TestApp::spawn(Role::Api).await;
    let send = |method: String, path: &'static str| {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        app.client.request(m, app.url(path)).send()
    };
    // One of each kind first, so every series that can exist does.
    send("GET".into(), "/api/health").await.unwrap();
    send("XQZWVUTSRPON".into(), "/api/health").await.unwrap();
    send("XQZWVUTSRPOM".into(), "/no/such/page").await.unwrap();
    // The scrape itself is a request: its series exist from the second scrape on.
    scrape(&app, None).await;
    let (_, before) = scrape(&app, None).await;

    for i in 0..500u32 {
        let method: String = format!("{i:0>12}")
            .bytes()
            .map(|b| (b'A' + (b - b'0')) as char)
            .collect();
        let path = if i % 2 == 0 { "/api/health" } else { "/x/y" };
        let r = send(method, path).await.unwrap();
        assert!(r.status().as_u16() >= 400, "{}", r.status());
    }
    let (status, after) = scrape(&app, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        series(&before).len(),
        series(&after).len(),
        "500 invented methods added series:\n{after}"
    );
    assert!(after.contains(r#"method="other""#), "{after}");
    assert!(
        !after.contains("AAAAAAAAAAAB"),
        "a raw method became a label"
    );
    let request_lines = series(&after)
        .into_iter()
        .filter(|l| l.starts_with("mm_http_requests_total"))
        .count();
    assert!(request_lines < 20, "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_metrics_token_closes_metrics() {
    let token = "metrics-token-0123456789";
    let app = TestApp::builder(Role::All)
        .env("MM_METRICS_TOKEN", token)
        .spawn()
        .await;
    let (status, body) = scrape(&app, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("MM_METRICS_TOKEN"), "{body}");
    assert!(!body.contains("mm_up"), "{body}");
    let (status, _) = scrape(&app, Some("metrics-token-wrong-0000")).await;
    assert_eq!(status, 401);
    let (status, body) = scrape(&app, Some(token)).await;
    assert_eq!(status, 200);
    assert!(body.contains("mm_up"), "{body}");
}

//! The foundation: every role serves its health and metrics, pages need no optional
//! configuration, migrations revert, and outages of PostgreSQL and Redis give 503 and heal.

use crate::harness::{PrivatePostgres, PrivateRedis, TestApp, TestDb};
use mm::config::Role;
use serde_json::Value;
use std::time::{Duration, Instant};

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn all_role_serves_pages_health_and_metrics_on_one_port() {
    let app = TestApp::spawn(Role::All).await;

    // The library asks a visitor to sign in; the first-run page answers on a fresh database.
    let library = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(library.status(), 303);
    assert_eq!(library.headers()["location"], "/login?next=%2F");
    let home = app.client.get(app.url("/setup")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(home.headers().contains_key("x-request-id"));
    assert!(home.text().await.unwrap().contains("<html"));

    let (status, health) = get_json(&app, "/api/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["checks"]["database"]["ok"], true, "{health}");
    assert_eq!(health["checks"]["redis"]["ok"], true, "{health}");
    assert_eq!(health["checks"]["storage"]["ok"], true, "{health}");
    assert_eq!(health["storage_backend"], "local");

    let (status, ready) = get_json(&app, "/api/ready").await;
    assert_eq!(status, 200, "{ready}");
    let (status, _) = get_json(&app, "/health").await;
    assert_eq!(status, 200);

    let (status, body) = get_json(&app, "/api/no-such-route").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not-found");
    let page = app
        .client
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Page not found"));

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = |name: &str, labels: &[&str]| {
        metrics
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|lb| l.contains(lb)))
            .unwrap_or_else(|| panic!("no {name} with {labels:?} in:\n{metrics}"))
            .to_string()
    };
    let health = line(
        "mm_http_requests_total",
        &[r#"route="/api/health""#, r#"status="2xx""#, r#"role="all""#],
    );
    assert!(health.ends_with(" 1"), "{health}");
    line(
        "mm_http_requests_total",
        &[r#"route="unmatched""#, r#"status="4xx""#],
    );
    line("mm_pool_size", &[r#"pool="database""#]);
    line("mm_pool_in_use", &[r#"pool="redis""#]);
    assert!(
        metrics.contains("mm_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_serves_only_its_routes() {
    let edge = TestApp::spawn(Role::Edge).await;
    assert_eq!(get_json(&edge, "/health").await.0, 200);
    assert_eq!(get_json(&edge, "/api/health").await.0, 404);
    let m = edge
        .client
        .get(edge.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains(r#"role="edge""#));

    let worker = TestApp::spawn(Role::Worker).await;
    // The consume loop beats once it has reached Redis.
    let deadline = Instant::now() + Duration::from_secs(10);
    let body = loop {
        let (status, body) = get_json(&worker, "/health").await;
        if status == 200 || Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(body["consume_loop_alive"], true, "{body}");
    assert_eq!(get_json(&worker, "/").await.0, 404);
    let m = worker
        .client
        .get(worker.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), 200);

    let api = TestApp::spawn(Role::Api).await;
    assert_eq!(get_json(&api, "/api/health").await.0, 200);
    assert_eq!(
        api.client
            .get(api.url("/setup"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    edge.stop().await;
    worker.stop().await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_optional_variable_is_needed_for_a_page() {
    // Nothing optional set: no Sentry, no CORS origins, no edge base, default log format.
    let app = TestApp::builder(Role::Api)
        .env("SENTRY_DSN", "")
        .env("ALLOWED_ORIGINS", "")
        .spawn()
        .await;
    assert_eq!(
        app.client
            .get(app.url("/setup"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_run_up_down_up_on_a_fresh_database() {
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;
    let db = TestDb::empty().await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = diesel::PgConnection::establish(&url).unwrap();
        let up = c.run_pending_migrations(mm::db::MIGRATIONS).unwrap().len();
        assert!(up > 0);
        let tables = |c: &mut diesel::PgConnection| -> i64 {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(
                "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
            )
            .get_result::<N>(c)
            .unwrap()
            .n
        };
        assert!(tables(&mut c) > 0);
        c.revert_all_migrations(mm::db::MIGRATIONS).unwrap();
        assert_eq!(tables(&mut c), 0, "down.sql files leave no table behind");
        let again = c.run_pending_migrations(mm::db::MIGRATIONS).unwrap().len();
        assert_eq!(again, up);
    })
    .await
    .unwrap();
}

/// Polls `path` until it answers `want`, returning how long that took.
async fn until_status(app: &TestApp, path: &str, want: u16, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let status = match app
            .client
            .get(app.url(path))
            .timeout(Duration::from_secs(10))
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(e) => panic!("{path} did not answer: {e}"),
        };
        if status == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{path} still {status}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn database_outage_answers_503_and_recovers() {
    let pg = PrivatePostgres::start();
    let db = TestDb::on(pg.admin_url()).await;
    let app = TestApp::builder(Role::Api).database(db).spawn().await;
    until_status(&app, "/api/ready", 200, Duration::from_secs(5)).await;

    pg.stop();
    until_status(&app, "/api/ready", 503, Duration::from_secs(15)).await;
    let (status, body) = get_json(&app, "/api/health").await;
    assert_eq!(status, 200, "liveness stays up");
    assert_eq!(body["checks"]["database"]["ok"], false);

    pg.restart();
    until_status(&app, "/api/ready", 200, Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_outage_answers_503_and_recovers() {
    let mut redis = PrivateRedis::start();
    let app = TestApp::builder(Role::Api)
        .env("REDIS_URL", redis.url())
        .spawn()
        .await;
    until_status(&app, "/api/ready", 200, Duration::from_secs(5)).await;
    redis.stop();
    until_status(&app, "/api/ready", 503, Duration::from_secs(15)).await;
    let (_, body) = get_json(&app, "/api/ready").await;
    assert_eq!(body["checks"]["redis"]["ok"], false);
    redis.restart();
    until_status(&app, "/api/ready", 200, Duration::from_secs(30)).await;
}

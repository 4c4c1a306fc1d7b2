//! The audit log: newest first with keyset pagination, and append-only in the database.

use crate::harness::{ApiClient, TestApp, count, parts, seed_user};
use mm::audit::{self, Entry};
use mm::auth::Role;
use reqwest::Method;

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_pages_newest_first() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "boss@mm.test", Role::Manager);
    let s = ApiClient::login(&app, "boss@mm.test").await;
    let mut c = app.db.conn();
    for i in 0..5 {
        audit::record_in(
            &mut c,
            &Entry::system("test", "asset.update").target("asset", i),
        )
        .unwrap();
    }
    let total = count(&app, "SELECT count(*) AS n FROM audit_log");
    assert_eq!(
        total, 7,
        "one user.create, one login.success and five updates"
    );

    let mut seen = Vec::new();
    let mut path = "/api/audit?limit=3".to_string();
    loop {
        let (status, page) = parts(s.send(Method::GET, &path, None).await).await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<i64> = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        seen.extend(ids);
        match page["next_before"].as_i64() {
            Some(b) => path = format!("/api/audit?limit=3&before={b}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, no repeats");
    assert_eq!(seen.len() as i64, total);

    let (_, first) = parts(s.send(Method::GET, "/api/audit?limit=1", None).await).await;
    let e = &first["entries"][0];
    assert_eq!(e["action"], "asset.update");
    assert_eq!(e["target_id"], "4");
    assert!(e["at"].as_str().unwrap().contains('T'));

    for bad in [
        "/api/audit?limit=0",
        "/api/audit?limit=201",
        "/api/audit?limit=abc",
        "/api/audit?before=x",
        "/api/audit?page=2",
    ] {
        let (status, b) = parts(s.send(Method::GET, bad, None).await).await;
        assert_eq!(status, 400, "{bad}: {b}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_refuses_updates_and_deletes() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let mut c = app.db.conn();
    for sql in [
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = diesel::sql_query(sql)
            .execute(&mut c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'user.create'"
        ),
        1
    );
}

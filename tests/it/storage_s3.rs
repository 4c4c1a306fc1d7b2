//! What only the S3 backend has: `storage init` and the CORS check (in-process and through
//! the `mm` binary), the edge's previews-only access, and an outage that heals.

use crate::harness::{Moto, TestApp, mm_bin};
use crate::storage_contract::chunked;
use crate::storage_local::status_and_code;
use mm::config::Role;
use mm::storage::{Bucket, PutOptions, StorageError};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn s3_outage_gives_503_and_heals_and_local_url_routes_are_absent() {
    let mut moto = Moto::start();
    moto.initialized_config().await;
    let mut b = TestApp::builder(Role::Api);
    for (k, v) in moto.env() {
        b = b.env(&k, v);
    }
    let app = b.spawn().await;
    let url = app.url(
        "/api/storage/staging/a/b.bin?X-Mm-Op=get&X-Mm-Expires=9999999999&X-Mm-Signature=AAAA",
    );
    let get = app.client.get(&url).send().await.unwrap();
    assert_eq!(status_and_code(get).await, (404, "not-found".into()));
    let put = app.client.put(&url).body("x").send().await.unwrap();
    assert_eq!(status_and_code(put).await, (404, "not-found".into()));

    let ready = || async { app.client.get(app.url("/api/ready")).send().await.unwrap() };
    assert_eq!(ready().await.status(), 200);
    let s = mm::storage::open(&app.config()).await.unwrap();
    moto.stop();
    let r = ready().await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["checks"]["storage"]["ok"], false, "{body}");
    let down = s.head(Bucket::Staging, "x").await.unwrap_err();
    assert!(down.is_unavailable(), "{down:?}");

    // Back (empty, as moto keeps nothing): the same clients work again without a restart.
    moto.restart();
    moto.initialized_config().await;
    assert_eq!(ready().await.status(), 200);
    assert!(
        s.head(Bucket::Staging, "x")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_init_is_idempotent_and_the_cors_check_sees_gaps() {
    let moto = Moto::start();
    let config = moto.config(&[("ALLOWED_ORIGINS", "https://app.example.com")]);
    let before = mm::storage::s3::cors_problems(&config).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let first = mm::storage::init(&config).await.unwrap();
    assert!(
        first
            .iter()
            .any(|l| l.contains("masters bucket mm-masters: created")),
        "{first:#?}"
    );
    let second = mm::storage::init(&config).await.unwrap();
    assert!(
        second.iter().filter(|l| l.ends_with(": exists")).count() == 3,
        "{second:#?}"
    );
    assert!(
        second.iter().any(|l| l.contains("versioning enabled")),
        "{second:#?}"
    );
    assert_eq!(
        mm::storage::s3::cors_problems(&config).await,
        Vec::<String>::new()
    );
    let full = mm::storage::open(&config).await.unwrap();
    full.check().await.unwrap();
    let playlist = chunked(b"#EXTM3U\n", 4);
    full.put(
        Bucket::Previews,
        "a/v/index.m3u8",
        playlist,
        PutOptions::default(),
    )
    .await
    .unwrap();

    // The edge reads previews and nothing else.
    let edge = mm::storage::open_for_edge(&config).await.unwrap();
    edge.check().await.unwrap();
    let playlist = edge
        .get(Bucket::Previews, "a/v/index.m3u8", None)
        .await
        .unwrap();
    assert_eq!(
        mm::storage::collect(playlist.body, 100).await.unwrap(),
        b"#EXTM3U\n"
    );
    let staging = edge
        .head(Bucket::Staging, "a/v/index.m3u8")
        .await
        .unwrap_err();
    assert!(matches!(staging, StorageError::Backend(_)), "{staging:?}");

    // An origin added later, before init runs again, is reported.
    let wider = moto.config(&[(
        "ALLOWED_ORIGINS",
        "https://app.example.com,https://new.example.com",
    )]);
    let problems = mm::storage::s3::cors_problems(&wider).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("https://new.example.com"),
        "{problems:?}"
    );
}

#[test]
fn mm_storage_init_and_check_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = mm_bin()
        .args(["storage", "init"])
        .env("MM_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for d in ["staging", "masters", "previews"] {
        assert!(dir.path().join(d).is_dir(), "{d}");
    }

    let moto = Moto::start();
    let with_s3 = |cmd: &mut std::process::Command| {
        for (k, v) in moto.env() {
            cmd.env(k, v);
        }
        cmd.env("DATABASE_URL", "postgres://127.0.0.1/x")
            .env("REDIS_URL", "redis://127.0.0.1")
            .env("MM_EDGE_KEYS", format!("k1:{}", crate::harness::new_key()));
    };
    let mut check = mm_bin();
    check.args(["check", "--role=api"]);
    with_s3(&mut check);
    let out = check.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("staging bucket mm-staging"), "{stderr}");

    let mut init = mm_bin();
    init.args(["storage", "init"]);
    with_s3(&mut init);
    let out = init.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("lifecycle aborts multipart uploads"));

    let out = check.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

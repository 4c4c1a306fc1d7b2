//! Upload bodies cannot exhaust mm: an idle PUT holds no thread (sign-in answers with many
//! open), idles out with its temp file, PUTs per URL are limited, every PUT stops at the
//! upload limit whatever was declared, and a single-PUT URL dies with its upload.

use crate::harness::{PASSWORD, TestApp, new_client, seed_user};
use crate::ingest::Ingest;
use bytes::Bytes;
use futures_util::StreamExt;
use mm::auth::Role as UserRole;
use mm::config::Role;
use mm::storage::Bucket;
use mm::storage::local::presign::{Grant, Op, Signer};
use serde_json::{Value, json};
use std::time::Duration;

/// The longest a step here may take before the test says it hung (not a timing threshold:
/// on the unfixed code these steps never finish).
const HANG: Duration = Duration::from_secs(60);

fn put_url(app: &TestApp, key: &str) -> String {
    let config = app.config();
    let signer = Signer::from_config(&config).unwrap();
    let grant = Grant::new(Op::Put, Bucket::Staging, key);
    signer
        .presign(&config.public_url, grant, Duration::from_secs(600))
        .url
}

/// A body that sends `first` bytes and then nothing, ever.
fn stalled_body(first: usize) -> reqwest::Body {
    let head = futures_util::stream::once(async move {
        Ok::<_, std::io::Error>(Bytes::from(vec![7u8; first]))
    });
    reqwest::Body::wrap_stream(head.chain(futures_util::stream::pending()))
}

/// A chunked body of `chunks` x 64 KiB with no length declared.
fn chunked_body(chunks: usize) -> reqwest::Body {
    let s = futures_util::stream::iter(
        (0..chunks).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![1u8; 64 << 10]))),
    );
    reqwest::Body::wrap_stream(s)
}

/// Files in the local backend's temp dir (bodies being written).
fn temp_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.path().join(".tmp"))
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0)
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + HANG;
    while !ok() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn idle_put(client: &reqwest::Client, url: String) -> tokio::task::JoinHandle<()> {
    let req = client
        .put(url)
        .header("content-length", (1u64 << 20).to_string())
        .body(stalled_body(1000));
    tokio::spawn(async move {
        let _ = req.send().await;
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_uploads_hold_no_thread_and_sign_in_answers() {
    // Four blocking threads per HTTP worker: on the old writer, eight idle PUTs took them all.
    let app = TestApp::builder(Role::Api)
        .env("MM_HTTP_BLOCKING_THREADS", "4")
        .env("MM_UPLOAD_IDLE_TIMEOUT", "10m")
        .spawn()
        .await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let client = new_client();
    let n = 24;
    let held: Vec<_> = (0..n)
        .map(|i| idle_put(&client, put_url(&app, &format!("idle/{i}.bin"))))
        .collect();
    // Every PUT is inside mm, its temp file open, waiting for bytes that never come.
    wait_for("every idle PUT reached the writer", || {
        temp_files(&app) == n
    })
    .await;

    let login = new_client()
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "ed@mm.test", "password": PASSWORD}))
        .send();
    let r = tokio::time::timeout(HANG, login)
        .await
        .expect("sign-in answers while idle uploads are open")
        .unwrap();
    assert_eq!(r.status(), 200);
    let health = tokio::time::timeout(HANG, client.get(app.url("/api/ready")).send())
        .await
        .expect("readiness answers")
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(temp_files(&app), n, "the idle uploads are still open");

    // A client that goes away takes its temp file with it.
    for h in held {
        h.abort();
    }
    wait_for("temp files of abandoned PUTs removed", || {
        temp_files(&app) == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_body_is_dropped_with_its_temp_file() {
    let app = TestApp::builder(Role::Api)
        .env("MM_UPLOAD_IDLE_TIMEOUT", "1")
        .spawn()
        .await;
    let url = put_url(&app, "idle/one.bin");
    let r = tokio::time::timeout(
        HANG,
        new_client()
            .put(url)
            .header("content-length", (1u64 << 20).to_string())
            .body(stalled_body(1000))
            .send(),
    )
    .await
    .expect("an idle upload is answered");
    let r = r.unwrap();
    assert_eq!(r.status(), 408);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "upload-idle", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("MM_UPLOAD_IDLE_TIMEOUT")
    );
    wait_for("the idle upload's temp file removed", || {
        temp_files(&app) == 0
    })
    .await;
    let storage = mm::storage::open(&app.config()).await.unwrap();
    let head = storage.head(Bucket::Staging, "idle/one.bin").await;
    assert!(head.unwrap_err().is_not_found());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_url_takes_only_a_few_puts_at_once() {
    let app = TestApp::builder(Role::Api)
        .env("MM_UPLOAD_IDLE_TIMEOUT", "10m")
        .spawn()
        .await;
    let url = put_url(&app, "leaked/url.bin");
    let client = new_client();
    let held: Vec<_> = (0..2).map(|_| idle_put(&client, url.clone())).collect();
    wait_for("two PUTs on one URL writing", || temp_files(&app) == 2).await;
    let r = new_client()
        .put(&url)
        .body(vec![1u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("MM_UPLOAD_CONCURRENT_PUTS"),
        "{body}"
    );
    // Another object is not held up.
    let other = new_client()
        .put(put_url(&app, "leaked/other.bin"))
        .body(vec![1u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    for h in held {
        h.abort();
    }
    wait_for("slots given back", || temp_files(&app) == 0).await;
    let again = new_client()
        .put(&url)
        .body(vec![1u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsized_presign_stops_at_the_upload_limit() {
    let t = Ingest::start(&[("MM_MAX_UPLOAD_BYTES", "1MiB")]).await;
    // The old contract signs a PUT with no size when contentLength is left out.
    let (status, signed) = t
        .post(
            "/api/presign",
            json!({"key": "staging/old/big.mov", "contentType": "video/quicktime"}),
        )
        .await;
    assert_eq!(status, 200, "{signed}");
    let r = t
        .app
        .client
        .put(signed["url"].as_str().unwrap())
        .header("content-type", "video/quicktime")
        .body(chunked_body(64))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "too-large", "{body}");
    wait_for("the refused body's temp file removed", || {
        temp_files(&t.app) == 0
    })
    .await;
    assert!(
        t.object(Bucket::Staging, "staging/old/big.mov")
            .await
            .is_none()
    );
    // A declared length past the limit is refused before a byte is read.
    let r = t
        .app
        .client
        .put(signed["url"].as_str().unwrap())
        .header("content-type", "video/quicktime")
        .body(vec![0u8; (1 << 20) + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    // Within the limit, the same URL works.
    let r = t
        .app
        .client
        .put(signed["url"].as_str().unwrap())
        .header("content-type", "video/quicktime")
        .body(chunked_body(4))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_put_url_dies_with_its_upload() {
    let t = Ingest::start(&[]).await;
    let data = crate::harness::data(1000, 3);
    let up = t.start_upload("once.mov", data.len(), json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let put = |body: Vec<u8>| t.put(&up["url"], body, up["headers"]["Content-Type"].as_str());
    assert_eq!(put(data.clone()).await.0, 200);
    let (status, done) = t
        .post(&format!("/api/uploads/{id}/complete"), json!({}))
        .await;
    assert_eq!(status, 202, "{done}");
    t.wait_job(&done["job_id"], |j| j.state == "succeeded")
        .await;
    let staging_key = format!("staging/{id}/once.mov");
    assert!(t.object(Bucket::Staging, &staging_key).await.is_none());

    // Replayed after complete: refused, and no orphan staging file appears.
    let mut replay = t
        .app
        .client
        .put(up["url"]["url"].as_str().unwrap())
        .body(data.clone());
    if let Some(ct) = up["headers"]["Content-Type"].as_str() {
        replay = replay.header("content-type", ct);
    }
    let r = replay.send().await.unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "upload-closed", "{body}");
    assert!(t.object(Bucket::Staging, &staging_key).await.is_none());

    // Replayed after abort: refused too.
    let up = t.start_upload("gone.mov", data.len(), json!({})).await;
    let id = up["upload_id"].as_str().unwrap().to_string();
    let (status, _) = t
        .call(reqwest::Method::DELETE, format!("/api/uploads/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = t
        .put(&up["url"], data, up["headers"]["Content-Type"].as_str())
        .await;
    assert_eq!(status, 409);
    assert!(
        t.object(Bucket::Staging, &format!("staging/{id}/gone.mov"))
            .await
            .is_none()
    );
}

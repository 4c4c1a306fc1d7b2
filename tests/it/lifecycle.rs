//! SIGTERM drains: the real binary stops accepting, finishes the request in flight, exits 0.

use crate::harness::{TestDb, free_port, http_client, mm_bin, new_key, redis_url};
use mm::config::{Config, Env};
use mm::storage::Bucket;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_upload_in_flight_then_exits_zero() {
    let db = TestDb::new().await;
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let env = [
        ("PORT", port.to_string()),
        ("MM_BIND", "127.0.0.1".to_string()),
        ("MM_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
        ("DATABASE_URL", db.url.clone()),
        ("REDIS_URL", redis_url()),
        (
            "MM_REDIS_PREFIX",
            format!("mmtest:{}:", uuid::Uuid::new_v4().simple()),
        ),
        ("MM_DATA_DIR", data.path().display().to_string()),
        ("MM_EDGE_KEYS", format!("k1:{}", new_key())),
        ("MM_SECRET_KEY", new_key()),
        ("MM_SHUTDOWN_TIMEOUT", "20".to_string()),
    ];
    let mut child = mm_bin()
        .args(["serve", "--role=all"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = http_client();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while client
        .get(format!("{base}/api/health"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "mm did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The same configuration in the test process signs a local upload URL the server accepts.
    let config = Config::from_env(&Env::from_pairs(env.iter().map(|(k, v)| (*k, v.clone()))));
    let storage = mm::storage::open(&config).await.unwrap();
    let url = storage
        .presign_put(
            Bucket::Staging,
            "drain/slow.bin",
            None,
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .url;

    // A body that takes ~2 s to arrive: 20 chunks of 64 KiB, 100 ms apart.
    let body = futures_util::stream::unfold(0u8, |i| async move {
        if i == 20 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((Ok::<_, std::io::Error>(vec![i; 64 * 1024]), i + 1))
    });
    let upload = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .put(url)
                .body(reqwest::Body::wrap_stream(body))
                .send()
                .await
        }
    });
    // SIGTERM only once the server is streaming the body to disk: the request is then in flight.
    let tmp = data.path().join(".tmp");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(&tmp).map_or(true, |d| d.count() == 0) {
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );

    let resp = upload
        .await
        .unwrap()
        .expect("the upload in flight is answered");
    assert_eq!(
        resp.status(),
        200,
        "the upload in flight finishes after SIGTERM"
    );

    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "exit 0 after draining");
    let stored = std::fs::read(data.path().join("staging/drain/slow.bin")).unwrap();
    assert_eq!(stored.len(), 20 * 64 * 1024, "the whole body was stored");
    assert!(
        stored
            .chunks(64 * 1024)
            .enumerate()
            .all(|(i, c)| c.iter().all(|b| *b == i as u8))
    );
    assert!(
        client
            .get(format!("{base}/api/health"))
            .send()
            .await
            .is_err(),
        "no new connections after the drain"
    );
}

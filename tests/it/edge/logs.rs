//! Signed URLs are credentials: the logs of a request that fails still name its route, never
//! the token or the signature it carried.

use crate::harness::{free_port, mm_bin, new_key};
use mm::config::{Config, Env};
use mm::signing::Signer;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn tokens_and_signatures_never_reach_the_logs() {
    let (port, dead) = (free_port(), free_port());
    let keys = format!("k1:{}", new_key());
    let legacy = "an-old-deployment-secret-of-32+chars!!";
    let mut child = mm_bin()
        .args(["serve", "--role=edge"])
        .env("PORT", port.to_string())
        .env("MM_BIND", "127.0.0.1")
        .env("MM_EDGE_KEYS", &keys)
        .env("EDGE_SIGNING_KEY", legacy)
        .env("MM_STORAGE", "s3")
        // Nothing listens there: every origin call fails and is logged as an error.
        .env("MM_S3_ENDPOINT", format!("http://127.0.0.1:{dead}"))
        .env("MM_S3_ACCESS_KEY", "a")
        .env("MM_S3_SECRET_KEY", "b")
        .env("MM_S3_MAX_ATTEMPTS", "1")
        .env("MM_EDGE_CACHE_DIR", tempfile::tempdir().unwrap().keep())
        .env("MM_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the edge did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let config = Config::from_env(&Env::from_pairs([
        ("MM_EDGE_KEYS", keys.as_str()),
        ("EDGE_SIGNING_KEY", legacy),
    ]));
    let signer = Signer::new(&config.edge_keys);
    let exp = mm::signing::now() + 600;
    let token = signer.sign("previews/a/v1/", exp).unwrap();
    let query = signer.sign_legacy("previews/a/v1/index.m3u8", exp).unwrap();
    let sig = query.split("sig=").nth(1).unwrap().to_string();
    for path in [
        format!("/s/{token}/previews/a/v1/index.m3u8"),
        format!("/s/previews/a/v1/index.m3u8?{query}"),
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 502, "{path}");
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("/s/[token]/previews/a/v1/index.m3u8"),
        "{logs}"
    );
    assert!(logs.contains("sig=[redacted]"), "{logs}");
    assert!(!logs.contains(&token), "the token reached the logs");
    assert!(!logs.contains(&sig), "the signature reached the logs");
}

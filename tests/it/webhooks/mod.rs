//! Webhooks: deliveries received on a real local HTTP endpoint and verified with the
//! `standardwebhooks` package from PyPI, the retry after a 500, the delivery log and
//! redelivery, the private-address guard at registration and at delivery, the endpoint
//! disabled after failing for days; and Idempotency-Key on creating routes.

mod delivery;
mod guard;
mod idempotency;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const VERIFY_PYTHON: &str = "/opt/mm-tools/webhooks/bin/python";

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// A tiny HTTP/1.1 receiver on 127.0.0.1: answers the first `fail_first` requests 500,
/// the rest 200, and keeps every request.
pub struct Receiver {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        Self::start_with(fail_first, std::time::Duration::ZERO).await
    }

    /// Like `start`, but the failing answers come only after `stall`.
    pub async fn start_with(fail_first: usize, stall: std::time::Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let store = store.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    let n = {
                        let mut g = store.lock().unwrap();
                        g.push(req);
                        g.len()
                    };
                    let (status, body) = if n <= fail_first {
                        tokio::time::sleep(stall).await;
                        ("500 Internal Server Error", "not yet")
                    } else {
                        ("200 OK", "thanks")
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Receiver { port, got }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was received (at most 60 s).
    pub async fn wait(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never received {what}: {:#?}",
                got.iter().map(|r| &r.body).collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        path,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

/// Runs the `standardwebhooks` verifier over `deliveries`; returns the payloads it accepted.
/// Panics when any signature does not verify.
pub fn verify_with_standardwebhooks(
    secret: &str,
    deliveries: &[Received],
) -> Vec<serde_json::Value> {
    use std::io::Write;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/webhooks/verify.py");
    let input: Vec<serde_json::Value> = deliveries
        .iter()
        .map(|d| {
            let h: BTreeMap<&str, &str> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
                .iter()
                .map(|k| (*k, d.headers.get(*k).map(String::as_str).unwrap_or("")))
                .collect();
            serde_json::json!({"headers": h, "body": d.body})
        })
        .collect();
    let mut child = std::process::Command::new(VERIFY_PYTHON)
        .arg(script)
        .arg(secret)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the standardwebhooks venv (scripts/deps.sh) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&input).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "standardwebhooks refused a delivery: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

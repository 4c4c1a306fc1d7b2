//! The edge: signed, prefix-scoped, cacheable delivery under `/s/`, tested through real HTTP
//! against real storage, with a raw TCP client where reqwest would normalize the path.

mod cache;
mod delivery;
mod logs;
mod player;
mod proxy;
mod sign_api;
mod tokens;
mod traversal;

use crate::harness::TestApp;
use mm::signing::Signer;
use mm::storage::{self, Bucket, DynStorage, PutOptions};
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The secret object outside every prefix the tests sign: its bytes must never come back.
pub const SECRET_KEY: &str = "previews/secret/v1/master.m4s";
pub const SECRET_BYTES: &[u8] = b"TOP-SECRET-BYTES-NEVER-SERVED";

/// Storage opened with the app's own configuration, to write what the edge serves.
pub async fn storage_of(app: &TestApp) -> DynStorage {
    storage::open(&app.config()).await.expect("storage opens")
}

pub async fn put(storage: &DynStorage, key: &str, data: impl Into<bytes::Bytes>) {
    storage
        .put(
            Bucket::Previews,
            key,
            storage::bytes_stream(data.into()),
            PutOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e}"));
}

/// The signer the app uses (same keys).
pub fn signer_of(app: &TestApp) -> Signer {
    Signer::new(&app.config().edge_keys)
}

/// `/s/<token for prefix>/<object>`, valid for an hour.
pub fn signed_path(app: &TestApp, prefix: &str, object: &str) -> String {
    let token = signer_of(app)
        .sign(prefix, mm::signing::now() + 3600)
        .unwrap();
    format!("/s/{token}/{object}")
}

/// An answer read off the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `path` exactly as written (no normalization, no re-encoding) and reads the answer.
pub async fn raw_get(app: &TestApp, method: &str, path: &str) -> Raw {
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.addr
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}

/// The sum of a metric's series whose labels include all of `labels`, from `/metrics`.
pub async fn metric(app: &TestApp, name: &str, labels: &[(&str, &str)]) -> f64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

//! The S3 path: objects come through the edge's disk cache (hits, ranges and validators from
//! disk), concurrent misses share one origin fetch, the cache stays within its bound and
//! survives a restart, large objects and a disabled cache stream from S3 with the range passed
//! through, and an origin outage gives 502/504 and heals.

use super::proxy::{Mode, Proxy};
use super::{metric, put, raw_get, signed_path};
use crate::harness::{Moto, TestApp, data};
use mm::config::Role;
use mm::storage::{self, Bucket, DynStorage};
use std::path::Path;
use std::time::Duration;

const PREFIX: &str = "previews/a/v1/";

pub(super) async fn origin(moto: &Moto) -> DynStorage {
    storage::open(&moto.initialized_config().await)
        .await
        .unwrap()
}

pub(super) async fn s3_edge(
    moto: &Moto,
    endpoint: &str,
    cache: &Path,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut b = TestApp::builder(Role::Edge);
    for (k, v) in moto.env() {
        b = b.env(&k, v);
    }
    b = b
        .env("MM_S3_ENDPOINT", endpoint)
        .env("MM_EDGE_CACHE_DIR", cache.display().to_string());
    for (k, v) in extra {
        b = b.env(k, *v);
    }
    b.spawn().await
}

fn object(n: usize) -> String {
    format!("{PREFIX}720p/seg_{n:03}.m4s")
}

async fn fetch(app: &TestApp, key: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(&signed_path(app, PREFIX, key)));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn cache_metric(app: &TestApp, name: &str) -> f64 {
    metric(app, &format!("mm_edge_cache_{name}"), &[]).await
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_objects_are_served_from_the_disk_cache() {
    let moto = Moto::start();
    let s3 = origin(&moto).await;
    let data = data(300_000, 7);
    put(&s3, &object(1), data.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = s3_edge(&moto, &moto.endpoint(), dir.path(), &[]).await;

    let r = fetch(&app, &object(1), &[]).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(
        etag,
        s3.head(Bucket::Previews, &object(1)).await.unwrap().etag
    );
    assert_eq!(r.headers()["content-type"], "video/iso.segment");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);
    let r = fetch(&app, &object(1), &[("range", "bytes=1000-1999")]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 1000-1999/300000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[1000..2000]);
    assert_eq!(
        fetch(&app, &object(1), &[("if-none-match", &etag)])
            .await
            .status(),
        304
    );
    let head = app
        .client
        .head(app.url(&signed_path(&app, PREFIX, &object(1))))
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()["content-length"], "300000");

    assert_eq!(cache_metric(&app, "origin_fetches_total").await, 1.0);
    assert_eq!(cache_metric(&app, "misses_total").await, 1.0);
    assert_eq!(cache_metric(&app, "hits_total").await, 3.0);
    assert_eq!(cache_metric(&app, "hit_ratio").await, 0.75);
    assert!(cache_metric(&app, "bytes").await > 300_000.0);
    assert_eq!(cache_metric(&app, "objects").await, 1.0);

    let r = fetch(&app, &object(2), &[]).await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not-found");
    assert_eq!(
        cache_metric(&app, "objects").await,
        1.0,
        "nothing cached for a 404"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_misses_share_one_origin_fetch() {
    let moto = Moto::start();
    let s3 = origin(&moto).await;
    let data = data(200_000, 7);
    put(&s3, &object(1), data.clone()).await;
    // A slow origin, so the misses overlap the one fetch in flight.
    let proxy = Proxy::start(moto.port).await;
    proxy.set_delay(Duration::from_millis(800));
    let dir = tempfile::tempdir().unwrap();
    let app = s3_edge(&moto, &proxy.endpoint(), dir.path(), &[]).await;

    let n = 16;
    let gets = (0..n).map(|_| async {
        let r = fetch(&app, &object(1), &[]).await;
        (r.status().as_u16(), r.bytes().await.unwrap())
    });
    for (status, body) in futures_util::future::join_all(gets).await {
        assert_eq!(status, 200);
        assert_eq!(body.as_ref(), &data[..]);
    }
    assert_eq!(cache_metric(&app, "origin_fetches_total").await, 1.0);
    let misses = cache_metric(&app, "misses_total").await;
    let hits = cache_metric(&app, "hits_total").await;
    assert_eq!(misses + hits, n as f64);
    assert!(
        misses >= 2.0,
        "the requests overlapped the fetch: {misses} misses"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cache_stays_bounded_and_survives_a_restart() {
    let moto = Moto::start();
    let s3 = origin(&moto).await;
    for i in 1..=5 {
        put(&s3, &object(i), data(45_000 + i, 7)).await;
    }
    put(&s3, &object(9), data(60_000, 7)).await;
    let playlist = format!("{PREFIX}index.m3u8");
    put(&s3, &playlist, "#EXTM3U\n#first\n").await;
    let dir = tempfile::tempdir().unwrap();
    // Four segments fit; a quarter of the bound (50 000) is the largest object cached.
    let bound = [("MM_EDGE_CACHE_MAX_BYTES", "200000")];
    let app = s3_edge(&moto, &moto.endpoint(), dir.path(), &bound).await;
    for i in [1, 2, 3, 4, 1, 5] {
        let r = fetch(&app, &object(i), &[]).await;
        assert_eq!(r.bytes().await.unwrap().len(), 45_000 + i);
    }
    assert_eq!(
        cache_metric(&app, "evictions_total").await,
        1.0,
        "the least recent, 2"
    );
    assert_eq!(cache_metric(&app, "objects").await, 4.0);
    assert!(cache_metric(&app, "bytes").await <= 200_000.0);
    // Too large for this cache: streamed from S3, ranges passed through, never cached.
    let r = fetch(&app, &object(9), &[("range", "bytes=59990-")]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &data(60_000, 7)[59_990..]
    );
    assert_eq!(
        fetch(&app, &object(9), &[])
            .await
            .bytes()
            .await
            .unwrap()
            .len(),
        60_000
    );
    assert_eq!(cache_metric(&app, "objects").await, 4.0);
    let r = fetch(&app, &playlist, &[]).await;
    assert_eq!(r.text().await.unwrap(), "#EXTM3U\n#first\n");
    assert_eq!(cache_metric(&app, "objects").await, 5.0);
    app.stop().await;

    // While the edge is down: a fill cut short, a cached file damaged, a playlist rewritten.
    let v1 = dir.path().join("v1");
    std::fs::write(v1.join("tmp/unfinished"), b"partial").unwrap();
    assert_eq!(walk(&v1.join("objects")).len(), 5);
    let damaged = cached_file(&v1, &object(3));
    let len = std::fs::metadata(&damaged).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&damaged)
        .unwrap();
    f.set_len(len - 10).unwrap();
    put(&s3, &playlist, "#EXTM3U\n#second\n").await;

    let app = s3_edge(&moto, &moto.endpoint(), dir.path(), &bound).await;
    assert!(!v1.join("tmp/unfinished").exists());
    assert_eq!(
        cache_metric(&app, "objects").await,
        5.0,
        "the index was rebuilt"
    );
    for i in [1, 3, 4, 5] {
        let r = fetch(&app, &object(i), &[]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            &data(45_000 + i, 7)[..],
            "{i}"
        );
    }
    // Playlists are checked again with S3 rather than trusted from an earlier run.
    let r = fetch(&app, &playlist, &[]).await;
    assert_eq!(r.text().await.unwrap(), "#EXTM3U\n#second\n");
    // Three segments came from the disk as they were; the damaged one and the playlist were
    // fetched again.
    assert_eq!(cache_metric(&app, "hits_total").await, 3.0);
    assert_eq!(cache_metric(&app, "origin_fetches_total").await, 2.0);
}

/// Where the cache keeps `key`: `objects/<2 hex>/<hex SHA-256 of the key>`.
fn cached_file(v1: &Path, key: &str) -> std::path::PathBuf {
    let hex = hex::encode(ring::digest::digest(&ring::digest::SHA256, key.as_bytes()));
    v1.join("objects").join(&hex[..2]).join(hex)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_cache_ranges_and_validators_pass_through_to_s3() {
    let moto = Moto::start();
    let s3 = origin(&moto).await;
    let data = data(10_000, 7);
    put(&s3, &object(1), data.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let app = s3_edge(
        &moto,
        &moto.endpoint(),
        dir.path(),
        &[("MM_EDGE_CACHE_MAX_BYTES", "0")],
    )
    .await;

    let r = fetch(&app, &object(1), &[]).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);
    for (range, start, end) in [
        ("bytes=0-9", 0, 9),
        ("bytes=-5", 9995, 9999),
        ("bytes=5000-", 5000, 9999),
    ] {
        let r = fetch(&app, &object(1), &[("range", range)]).await;
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes {start}-{end}/10000")
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), &data[start..=end]);
    }
    let r = fetch(&app, &object(1), &[("range", "bytes=20000-")]).await;
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */10000");
    assert_eq!(
        fetch(&app, &object(1), &[("if-none-match", &etag)])
            .await
            .status(),
        304
    );
    let head = app
        .client
        .head(app.url(&signed_path(&app, PREFIX, &object(1))))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "10000");
    assert_eq!(fetch(&app, &object(2), &[]).await.status(), 404);
    assert!(!dir.path().join("v1").exists(), "no cache was opened");
    assert!(metric(&app, "mm_edge_origin_seconds_count", &[("op", "get")]).await >= 4.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_outage_gives_502_or_504_and_the_edge_recovers() {
    let moto = Moto::start();
    let s3 = origin(&moto).await;
    put(&s3, &object(1), data(1000, 7)).await;
    put(&s3, &object(2), data(2000, 7)).await;
    let proxy = Proxy::start(moto.port).await;
    let dir = tempfile::tempdir().unwrap();
    let app = s3_edge(
        &moto,
        &proxy.endpoint(),
        dir.path(),
        &[("MM_EDGE_ORIGIN_TIMEOUT", "2s")],
    )
    .await;
    assert_eq!(fetch(&app, &object(1), &[]).await.status(), 200);

    proxy.set(Mode::Refuse);
    let r = raw_get(&app, "GET", &signed_path(&app, PREFIX, &object(2))).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (502, Some("origin-unavailable"))
    );
    // What the cache holds is still served while the origin is down.
    assert_eq!(fetch(&app, &object(1), &[]).await.status(), 200);

    proxy.set(Mode::Hang);
    let r = raw_get(&app, "GET", &signed_path(&app, PREFIX, &object(2))).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (504, Some("origin-timeout"))
    );

    proxy.set(Mode::Forward);
    let r = fetch(&app, &object(2), &[]).await;
    assert_eq!(r.status(), 200, "the edge recovers by itself");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data(2000, 7)[..]);
    assert_eq!(
        metric(&app, "mm_edge_requests_total", &[("status", "500")]).await,
        0.0
    );
}

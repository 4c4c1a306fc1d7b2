//! What only the local backend has: its presigned-URL handlers (refusals, size and type checks,
//! a large streamed PUT) and its retention.

use crate::harness::{TestApp, data};
use crate::storage_contract::chunked;
use bytes::Bytes;
use futures_util::StreamExt;
use mm::config::Role;
use mm::storage::local::presign::{Grant, Op, Signer};
use mm::storage::{Bucket, DynStorage, LockMode, PutOptions, StorageError};
use serde_json::Value;
use std::time::Duration;
use time::OffsetDateTime;

const TTL: Duration = Duration::from_secs(300);

async fn local_app() -> (TestApp, DynStorage) {
    let app = TestApp::spawn(Role::Api).await;
    let storage = mm::storage::open(&app.config()).await.unwrap();
    (app, storage)
}

pub async fn status_and_code(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn local_urls_refuse_expired_tampered_and_malformed() {
    let (app, s) = local_app().await;
    let opts = PutOptions::default();
    s.put(
        Bucket::Staging,
        "pre/a.bin",
        chunked(b"aaaa", 2),
        opts.clone(),
    )
    .await
    .unwrap();
    s.put(Bucket::Staging, "pre/b.bin", chunked(b"bbbb", 2), opts)
        .await
        .unwrap();
    let good = s
        .presign_get(Bucket::Staging, "pre/a.bin", None, TTL)
        .await
        .unwrap()
        .url;
    assert!(
        good.starts_with(&app.url("/api/storage/staging/pre/a.bin?")),
        "{good}"
    );
    let ok = app.client.get(&good).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.bytes().await.unwrap().as_ref(), b"aaaa");

    let config = app.config();
    let signer = Signer::from_config(&config).unwrap();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let expired = signer
        .presign_until(
            &config.public_url,
            Grant::new(Op::Get, Bucket::Staging, "pre/a.bin"),
            now - 10,
        )
        .url;

    let (path, query) = good.split_once('?').unwrap();
    let sig = query.rsplit_once("X-Mm-Signature=").unwrap().1.to_string();
    let flipped = format!(
        "{}{}",
        &sig[..sig.len() - 1],
        if sig.ends_with('A') { 'B' } else { 'A' }
    );
    let exp: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("X-Mm-Expires="))
        .unwrap()
        .parse()
        .unwrap();
    let cases = [
        (expired, "GET", 403, "expired"),
        (
            good.replace("pre/a.bin", "pre/b.bin"),
            "GET",
            403,
            "bad-signature",
        ),
        (
            good.replace(
                &format!("X-Mm-Expires={exp}"),
                &format!("X-Mm-Expires={}", exp + 3600),
            ),
            "GET",
            403,
            "bad-signature",
        ),
        (good.replace(&sig, &flipped), "GET", 403, "bad-signature"),
        (
            good.replace("X-Mm-Op=get", "X-Mm-Op=put"),
            "PUT",
            403,
            "bad-signature",
        ),
        (good.clone(), "PUT", 403, "bad-signature"),
        (
            format!("{path}?X-Mm-Op=get&X-Mm-Expires={exp}"),
            "GET",
            400,
            "malformed-url",
        ),
        (
            good.replace(&format!("X-Mm-Expires={exp}"), "X-Mm-Expires=soon"),
            "GET",
            400,
            "malformed-url",
        ),
        (
            good.replace("/staging/", "/elsewhere/"),
            "GET",
            400,
            "malformed-url",
        ),
        (format!("{good}&X-Mm-Op=get"), "GET", 400, "malformed-url"),
        // reqwest resolves `%2e%2e` segments itself: this one arrives for bucket `etc`.
        (
            good.replace("staging/pre/a.bin", "staging/pre/%2e%2e/%2e%2e/etc/passwd"),
            "GET",
            400,
            "malformed-url",
        ),
        (
            good.replace("pre/a.bin", "pre%2F..%2F..%2Fetc%2Fpasswd"),
            "GET",
            403,
            "bad-signature",
        ),
        (
            good.replace("pre/a.bin", "pre/%ff"),
            "GET",
            400,
            "malformed-url",
        ),
    ];
    for (url, method, status, code) in cases {
        let req = match method {
            "PUT" => app.client.put(&url).body("x"),
            _ => app.client.get(&url),
        };
        let got = status_and_code(req.send().await.unwrap()).await;
        assert_eq!(got, (status, code.to_string()), "{method} {url}");
    }
    // The refused PUT changed nothing.
    let body = s
        .get(Bucket::Staging, "pre/a.bin", None)
        .await
        .unwrap()
        .body;
    assert_eq!(mm::storage::collect(body, 100).await.unwrap(), b"aaaa");
}

#[tokio::test(flavor = "multi_thread")]
async fn local_put_checks_the_signed_content_type_and_size() {
    let (app, s) = local_app().await;
    let url = s
        .presign_put_sized(
            Bucket::Staging,
            "t/x.mov",
            Some("video/quicktime"),
            Some(10),
            TTL,
        )
        .await
        .unwrap()
        .url;
    let wrong_type = app
        .client
        .put(&url)
        .header("content-type", "text/plain")
        .body(vec![0u8; 10]);
    assert_eq!(
        status_and_code(wrong_type.send().await.unwrap()).await,
        (403, "bad-signature".into())
    );
    let wrong_size = app
        .client
        .put(&url)
        .header("content-type", "video/quicktime")
        .body(vec![0u8; 9]);
    assert_eq!(
        status_and_code(wrong_size.send().await.unwrap()).await,
        (400, "size-mismatch".into())
    );
    assert!(
        s.head(Bucket::Staging, "t/x.mov")
            .await
            .unwrap_err()
            .is_not_found()
    );
    let ok = app
        .client
        .put(&url)
        .header("content-type", "video/quicktime")
        .body(vec![7u8; 10]);
    let resp = ok.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-expose-headers"], "ETag");

    let id = s
        .create_multipart(Bucket::Staging, "t/big.mov", None)
        .await
        .unwrap();
    let part = s
        .presign_part_sized(Bucket::Staging, "t/big.mov", &id, 1, Some(1000), TTL)
        .await
        .unwrap()
        .url;
    let short = app
        .client
        .put(&part)
        .body(vec![1u8; 999])
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_code(short).await, (400, "size-mismatch".into()));
    assert!(
        s.list_parts(Bucket::Staging, "t/big.mov", &id)
            .await
            .unwrap()
            .is_empty()
    );
    let exact = app
        .client
        .put(&part)
        .body(vec![1u8; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(exact.status(), 200);
    let parts = s
        .list_parts(Bucket::Staging, "t/big.mov", &id)
        .await
        .unwrap();
    assert_eq!((parts.len(), parts[0].size), (1, 1000));
    // A part URL of an aborted upload stores nothing.
    s.abort_multipart(Bucket::Staging, "t/big.mov", &id)
        .await
        .unwrap();
    let late = app
        .client
        .put(&part)
        .body(vec![1u8; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_code(late).await, (404, "no-such-upload".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn local_put_of_64_mib_streams_through_the_handler() {
    // The handler hands the body to the disk writer through a bounded channel and the writer
    // uses a fixed 1 MiB buffer, so memory is bounded by construction whatever the size; this
    // test proves a large streamed body arrives whole and intact.
    let (app, s) = local_app().await;
    const CHUNK: usize = 16 * 1024;
    const CHUNKS: usize = 4096; // 64 MiB
    let make = |i: usize| Bytes::from(data(CHUNK, (i % 251) as u64));
    let mut sent = ring::digest::Context::new(&ring::digest::SHA256);
    for i in 0..CHUNKS {
        sent.update(&make(i));
    }
    let body =
        futures_util::stream::iter((0..CHUNKS).map(move |i| Ok::<_, std::io::Error>(make(i))));
    let url = s
        .presign_put(Bucket::Staging, "big/master.mov", None, TTL)
        .await
        .unwrap()
        .url;
    let resp = app
        .client
        .put(&url)
        .header("content-length", (CHUNK * CHUNKS).to_string())
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let head = s.head(Bucket::Staging, "big/master.mov").await.unwrap();
    assert_eq!(head.size, (CHUNK * CHUNKS) as u64);
    let mut got = ring::digest::Context::new(&ring::digest::SHA256);
    let mut body = s
        .get(Bucket::Staging, "big/master.mov", None)
        .await
        .unwrap()
        .body;
    while let Some(c) = body.next().await {
        got.update(&c.unwrap());
    }
    assert_eq!(got.finish().as_ref(), sent.finish().as_ref());
    // No temp file is left behind.
    let tmp = app.data_dir.path().join(".tmp");
    assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn local_retention_blocks_delete_and_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let config = mm::config::Config::from_env(&mm::config::Env::from_pairs([(
        "MM_DATA_DIR",
        dir.path().display().to_string(),
    )]));
    let s = mm::storage::open(&config).await.unwrap();
    let until = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let locked = PutOptions {
        retention: Some((LockMode::Governance, until)),
        ..PutOptions::default()
    };
    s.put(
        Bucket::Masters,
        "m/a/v/master.mov",
        chunked(b"precious", 3),
        locked.clone(),
    )
    .await
    .unwrap();
    let retained = |r: Result<(), StorageError>| matches!(r, Err(StorageError::Retained(_)));
    assert!(retained(
        s.delete(Bucket::Masters, "m/a/v/master.mov").await
    ));
    assert!(retained(
        s.put(
            Bucket::Masters,
            "m/a/v/master.mov",
            chunked(b"other", 5),
            PutOptions::default()
        )
        .await
        .map(drop)
    ));
    s.put(
        Bucket::Staging,
        "s/x",
        chunked(b"other", 5),
        PutOptions::default(),
    )
    .await
    .unwrap();
    assert!(retained(
        s.copy(
            (Bucket::Staging, "s/x"),
            (Bucket::Masters, "m/a/v/master.mov"),
            PutOptions::default()
        )
        .await
        .map(drop)
    ));
    let body = s
        .get(Bucket::Masters, "m/a/v/master.mov", None)
        .await
        .unwrap()
        .body;
    assert_eq!(mm::storage::collect(body, 100).await.unwrap(), b"precious");

    // A copy carries the retention it is given; an elapsed retention no longer protects.
    s.copy(
        (Bucket::Masters, "m/a/v/master.mov"),
        (Bucket::Masters, "m/copy"),
        locked,
    )
    .await
    .unwrap();
    assert!(retained(s.delete(Bucket::Masters, "m/copy").await));
    let past = PutOptions {
        retention: Some((
            LockMode::Compliance,
            OffsetDateTime::now_utc() - time::Duration::hours(1),
        )),
        ..PutOptions::default()
    };
    s.put(Bucket::Masters, "m/old", chunked(b"old", 3), past)
        .await
        .unwrap();
    s.delete(Bucket::Masters, "m/old").await.unwrap();
    assert!(
        s.head(Bucket::Masters, "m/old")
            .await
            .unwrap_err()
            .is_not_found()
    );
    s.check().await.unwrap();
}

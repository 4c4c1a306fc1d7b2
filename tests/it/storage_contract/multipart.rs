//! The contract for multipart uploads and presigned URLs (used with a plain HTTP client).

use super::{Fixture, MIB, TTL, chunked, put, read_all};
use crate::harness::data;
use mm::storage::{Bucket, CompletedPart, PutOptions, Storage, StorageError};

async fn upload_parts(
    s: &dyn Storage,
    key: &str,
    id: &str,
    parts: &[Vec<u8>],
) -> Vec<CompletedPart> {
    let mut done = Vec::new();
    // Out of order on purpose: clients upload parts in parallel.
    for (i, data) in parts.iter().enumerate().rev() {
        let n = i as u32 + 1;
        let info = s
            .upload_part(Bucket::Staging, key, id, n, chunked(data, 100_000))
            .await
            .unwrap();
        assert_eq!((info.part_number, info.size), (n, data.len() as u64));
        done.push(CompletedPart {
            part_number: n,
            etag: info.etag,
        });
    }
    done.sort_by_key(|p| p.part_number);
    done
}

pub async fn multipart_round_trip(f: &Fixture) {
    let s = f.s();
    let key = "mp/upload/master.mov";
    let id = s
        .create_multipart(Bucket::Staging, key, Some("video/quicktime"))
        .await
        .unwrap();
    assert!(
        s.list_parts(Bucket::Staging, key, &id)
            .await
            .unwrap()
            .is_empty()
    );
    let parts = vec![
        data(5 * MIB, 10),
        data(5 * MIB + 17, 11),
        data(5 * MIB + 123, 12),
    ];
    let done = upload_parts(s, key, &id, &parts).await;

    let listed = s.list_parts(Bucket::Staging, key, &id).await.unwrap();
    let summary: Vec<(u32, String, u64)> = listed
        .into_iter()
        .map(|p| (p.part_number, p.etag, p.size))
        .collect();
    let expected: Vec<(u32, String, u64)> = done
        .iter()
        .zip(&parts)
        .map(|(p, d)| (p.part_number, p.etag.clone(), d.len() as u64))
        .collect();
    assert_eq!(summary, expected);
    assert!(
        s.head(Bucket::Staging, key)
            .await
            .unwrap_err()
            .is_not_found(),
        "visible before complete"
    );

    let meta = s
        .complete_multipart(Bucket::Staging, key, &id, &done)
        .await
        .unwrap();
    let whole: Vec<u8> = parts.concat();
    assert_eq!(meta.size, whole.len() as u64);
    let head = s.head(Bucket::Staging, key).await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("video/quicktime"));
    assert_eq!(head.etag, meta.etag);
    let body = read_all(s.get(Bucket::Staging, key, None).await.unwrap().body).await;
    assert!(
        body == whole,
        "the object is not the concatenation of its parts"
    );
    let gone = s.list_parts(Bucket::Staging, key, &id).await.unwrap_err();
    assert!(matches!(gone, StorageError::NoSuchUpload(_)), "{gone:?}");
}

pub async fn multipart_complete_checks_parts(f: &Fixture) {
    let s = f.s();
    let key = "mp/bad/master.mov";
    let id = s
        .create_multipart(Bucket::Staging, key, None)
        .await
        .unwrap();
    let parts = vec![data(5 * MIB, 20), data(MIB, 21)];
    let done = upload_parts(s, key, &id, &parts).await;

    let mut wrong_etag = done.clone();
    wrong_etag[0].etag = "\"0123456789abcdef0123456789abcdef\"".into();
    let mut missing = done.clone();
    missing.push(CompletedPart {
        part_number: 3,
        etag: done[1].etag.clone(),
    });
    let descending = vec![done[1].clone(), done[0].clone()];
    for (what, list) in [
        ("wrong etag", wrong_etag),
        ("missing part", missing),
        ("descending", descending),
    ] {
        let err = s
            .complete_multipart(Bucket::Staging, key, &id, &list)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StorageError::InvalidPart(_)),
            "{what}: {err:?}"
        );
        assert!(
            s.head(Bucket::Staging, key)
                .await
                .unwrap_err()
                .is_not_found(),
            "{what}: object created"
        );
    }
    // A failed complete leaves the upload as it was: the right list still completes it.
    assert_eq!(
        s.list_parts(Bucket::Staging, key, &id).await.unwrap().len(),
        2
    );
    let meta = s
        .complete_multipart(Bucket::Staging, key, &id, &done)
        .await
        .unwrap();
    assert_eq!(meta.size, (6 * MIB) as u64);
}

pub async fn abort_then_complete_fails(f: &Fixture) {
    let s = f.s();
    let key = "mp/aborted.mov";
    let id = s
        .create_multipart(Bucket::Staging, key, None)
        .await
        .unwrap();
    let done = upload_parts(s, key, &id, &[data(1000, 30)]).await;
    s.abort_multipart(Bucket::Staging, key, &id).await.unwrap();
    let no_upload = |r: Result<(), StorageError>| matches!(r, Err(StorageError::NoSuchUpload(_)));
    assert!(no_upload(
        s.list_parts(Bucket::Staging, key, &id).await.map(drop)
    ));
    let completed = s
        .complete_multipart(Bucket::Staging, key, &id, &done)
        .await
        .map(drop);
    let late_part = s
        .upload_part(Bucket::Staging, key, &id, 2, chunked(b"late", 4))
        .await
        .map(drop);
    if !s.is_remote() {
        assert!(no_upload(completed) && no_upload(late_part));
    } else {
        // moto answers these with a 500 where S3 says NoSuchUpload; either way they must fail.
        assert!(completed.is_err() && late_part.is_err());
    }
    assert!(
        s.head(Bucket::Staging, key)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let unknown = "0123456789abcdef0123456789abcdef";
    assert!(no_upload(
        s.abort_multipart(Bucket::Staging, key, unknown).await
    ));
}

pub async fn presigned_put_and_get(f: &Fixture) {
    let s = f.s();
    let key = "pre/My Clip ä.mov";
    let data = data(3 * MIB + 5, 40);
    let url = s
        .presign_put(Bucket::Staging, key, Some("video/quicktime"), TTL)
        .await
        .unwrap();
    assert_eq!(url.method, "PUT");
    let resp = f
        .http
        .put(&url.url)
        .header("content-type", "video/quicktime")
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let head = s.head(Bucket::Staging, key).await.unwrap();
    assert_eq!(
        (head.etag.as_str(), head.size),
        (etag.as_str(), data.len() as u64)
    );
    assert_eq!(head.content_type.as_deref(), Some("video/quicktime"));

    let get = s
        .presign_get(Bucket::Staging, key, Some("Clip ä.mov"), TTL)
        .await
        .unwrap();
    assert_eq!(get.method, "GET");
    let resp = f.http.get(&get.url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    if !s.is_remote() {
        let disposition = resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.starts_with("attachment") && disposition.contains("Clip%20%C3%A4.mov"),
            "{disposition}"
        );
    } else {
        // moto ignores the override S3 applies; check that the signed URL asks for it.
        assert!(
            get.url.contains("response-content-disposition=attachment"),
            "{}",
            get.url
        );
    }
    assert!(resp.bytes().await.unwrap() == data);
    let part = f
        .http
        .get(&get.url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert!(part.bytes().await.unwrap() == data[10..20]);
}

pub async fn presigned_parts(f: &Fixture) {
    let s = f.s();
    let key = "pre/parts.mov";
    let id = s
        .create_multipart(Bucket::Staging, key, None)
        .await
        .unwrap();
    let parts = [data(5 * MIB, 50), data(5 * MIB, 51), data(1024, 52)];
    let mut done = Vec::new();
    for (i, data) in parts.iter().enumerate() {
        let n = i as u32 + 1;
        let url = s
            .presign_part(Bucket::Staging, key, &id, n, TTL)
            .await
            .unwrap();
        assert_eq!(url.method, "PUT");
        let resp = f
            .http
            .put(&url.url)
            .body(data.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "part {n}: {:?}", resp.text().await);
        done.push(CompletedPart {
            part_number: n,
            etag: resp.headers()["etag"].to_str().unwrap().to_string(),
        });
    }
    let listed: Vec<u32> = s
        .list_parts(Bucket::Staging, key, &id)
        .await
        .unwrap()
        .iter()
        .map(|p| p.part_number)
        .collect();
    assert_eq!(listed, [1, 2, 3]);
    s.complete_multipart(Bucket::Staging, key, &id, &done)
        .await
        .unwrap();
    let body = read_all(s.get(Bucket::Staging, key, None).await.unwrap().body).await;
    assert!(body == parts.concat());
}

/// A master above the single-copy limit is copied part by part on S3 (the fixture lowers the
/// limit to 5 MiB so this runs without 5 GiB objects); the copy is whole and keeps its type.
pub async fn large_copies_go_part_by_part(f: &Fixture) {
    let s = f.s();
    let data = data(12 * MIB + 7, 60);
    put(
        s,
        Bucket::Staging,
        "big/src.mov",
        &data,
        Some("video/quicktime"),
    )
    .await;
    let meta = s
        .copy(
            (Bucket::Staging, "big/src.mov"),
            (Bucket::Masters, "big/a/v/src.mov"),
            PutOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    let head = s.head(Bucket::Masters, "big/a/v/src.mov").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("video/quicktime"));
    let body = read_all(
        s.get(Bucket::Masters, "big/a/v/src.mov", None)
            .await
            .unwrap()
            .body,
    )
    .await;
    assert!(body == data, "the copy differs from its source");
    let retyped = PutOptions {
        content_type: Some("video/mp4".into()),
        ..PutOptions::default()
    };
    s.copy(
        (Bucket::Staging, "big/src.mov"),
        (Bucket::Masters, "big/b.mp4"),
        retyped,
    )
    .await
    .unwrap();
    let head = s.head(Bucket::Masters, "big/b.mp4").await.unwrap();
    assert_eq!(
        (head.size, head.content_type.as_deref()),
        (data.len() as u64, Some("video/mp4"))
    );
}

//! The contract for whole objects: streamed put and get, ranges, head, copy, delete, list,
//! atomic overwrite, and key validation.

use super::get_range;
use super::{Fixture, MIB, TTL, chunked, put, read_all};
use crate::harness::data;
use futures_util::StreamExt;
use mm::storage::{Bucket, PutOptions, RangeRequest, StorageError};

pub async fn streamed_round_trip_and_head(f: &Fixture) {
    let s = f.s();
    let data = data(12 * MIB + 3, 1);
    let key = "rt/clip one (1).mov";
    let etag = put(s, Bucket::Staging, key, &data, Some("video/quicktime")).await;
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let head = s.head(Bucket::Staging, key).await.unwrap();
    assert_eq!(head.size, data.len() as u64);
    assert_eq!(head.etag, etag);
    assert_eq!(head.content_type.as_deref(), Some("video/quicktime"));
    assert_eq!(head.key, key);

    let obj = s.get(Bucket::Staging, key, None).await.unwrap();
    assert_eq!(obj.range, None);
    assert_eq!(obj.meta.etag, etag);
    assert!(read_all(obj.body).await == data, "body differs");

    if let Some(path) = s.local_path(Bucket::Staging, key) {
        assert!(std::fs::read(path).unwrap() == data);
    }
    let missing = s.head(Bucket::Staging, "rt/missing").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    let missing = s.get(Bucket::Masters, key, None).await.err().unwrap();
    assert!(missing.is_not_found(), "{missing:?}");
}

pub async fn ranges(f: &Fixture) {
    let s = f.s();
    let data = data(100_000, 2);
    let n = data.len() as u64;
    put(s, Bucket::Previews, "r/seg.m4s", &data, None).await;
    let cases = [
        (RangeRequest::FromTo(0, 9), 0usize, 10usize),
        (RangeRequest::FromTo(500, 599), 500, 100),
        (RangeRequest::Last(100), 99_900, 100),
        (RangeRequest::From(99_000), 99_000, 1000),
        (RangeRequest::FromTo(99_990, 200_000), 99_990, 10),
        (RangeRequest::Last(500_000), 0, 100_000),
    ];
    for (r, start, len) in cases {
        let (got_start, size, body) = get_range(s, "r/seg.m4s", r).await.unwrap();
        assert_eq!((got_start, size), (start as u64, n), "{r:?}");
        assert!(body == data[start..start + len], "{r:?}");
    }
    for r in [
        RangeRequest::From(n),
        RangeRequest::FromTo(n + 5, n + 10),
        RangeRequest::FromTo(10, 5),
        RangeRequest::Last(0),
    ] {
        match s.get(Bucket::Previews, "r/seg.m4s", Some(r)).await {
            Err(StorageError::RangeNotSatisfiable { size }) => assert_eq!(size, n, "{r:?}"),
            Err(e) => panic!("{r:?}: {e:?}"),
            Ok(_) => panic!("{r:?} was served"),
        }
    }
    put(s, Bucket::Previews, "r/empty", b"", None).await;
    assert!(matches!(
        s.get(
            Bucket::Previews,
            "r/empty",
            Some(RangeRequest::FromTo(0, 0))
        )
        .await,
        Err(StorageError::RangeNotSatisfiable { size: 0 })
    ));
    assert!(
        read_all(s.get(Bucket::Previews, "r/empty", None).await.unwrap().body)
            .await
            .is_empty()
    );
}

pub async fn copy_across_buckets(f: &Fixture) {
    let s = f.s();
    let data = data(3 * MIB, 3);
    put(s, Bucket::Staging, "c/src.mp4", &data, Some("video/mp4")).await;
    let meta = s
        .copy(
            (Bucket::Staging, "c/src.mp4"),
            (Bucket::Masters, "m/a/v/src.mp4"),
            PutOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    let head = s.head(Bucket::Masters, "m/a/v/src.mp4").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("video/mp4"));
    let copied = s.get(Bucket::Masters, "m/a/v/src.mp4", None).await.unwrap();
    assert!(read_all(copied.body).await == data);
    // The source is untouched.
    assert_eq!(
        s.head(Bucket::Staging, "c/src.mp4").await.unwrap().size,
        data.len() as u64
    );

    let retyped = PutOptions {
        content_type: Some("application/octet-stream".into()),
        ..PutOptions::default()
    };
    s.copy(
        (Bucket::Staging, "c/src.mp4"),
        (Bucket::Staging, "c/again.bin"),
        retyped,
    )
    .await
    .unwrap();
    let head = s.head(Bucket::Staging, "c/again.bin").await.unwrap();
    assert_eq!(
        head.content_type.as_deref(),
        Some("application/octet-stream")
    );

    let missing = s
        .copy(
            (Bucket::Staging, "c/none"),
            (Bucket::Masters, "m/none"),
            PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    assert!(
        s.head(Bucket::Masters, "m/none")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

pub async fn delete_is_idempotent(f: &Fixture) {
    let s = f.s();
    s.delete(Bucket::Previews, "d/never-existed").await.unwrap();
    put(s, Bucket::Previews, "d/x/y.ts", b"segment", None).await;
    s.delete(Bucket::Previews, "d/x/y.ts").await.unwrap();
    assert!(
        s.head(Bucket::Previews, "d/x/y.ts")
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        s.get(Bucket::Previews, "d/x/y.ts", None)
            .await
            .err()
            .unwrap()
            .is_not_found()
    );
    s.delete(Bucket::Previews, "d/x/y.ts").await.unwrap();
    assert!(s.list(Bucket::Previews, "d/").await.unwrap().is_empty());
    // The emptied prefix can be written again.
    put(s, Bucket::Previews, "d/x/z.ts", b"again", None).await;
    assert_eq!(s.list(Bucket::Previews, "d/").await.unwrap().len(), 1);
}

pub async fn list_by_prefix_in_key_order(f: &Fixture) {
    let s = f.s();
    for (k, len) in [("p/b", 2), ("p/a", 1), ("p/c/d", 3), ("q/x", 4), ("pa", 5)] {
        put(s, Bucket::Previews, k, &data(len, 0), None).await;
    }
    let keys = |v: Vec<mm::storage::ObjectMeta>| {
        v.into_iter().map(|m| (m.key, m.size)).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(s.list(Bucket::Previews, "p/").await.unwrap()),
        [
            ("p/a".to_string(), 1),
            ("p/b".into(), 2),
            ("p/c/d".into(), 3)
        ]
    );
    let under_p: Vec<String> = s
        .list(Bucket::Previews, "p")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(under_p, ["p/a", "p/b", "p/c/d", "pa"]);
    let all: Vec<String> = s
        .list(Bucket::Previews, "")
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(all, ["p/a", "p/b", "p/c/d", "pa", "q/x"]);
    assert!(
        s.list(Bucket::Previews, "nothing/")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.list(Bucket::Staging, "p/").await.unwrap().is_empty());
    let etag = s.list(Bucket::Previews, "q/").await.unwrap()[0]
        .etag
        .clone();
    assert_eq!(etag, s.head(Bucket::Previews, "q/x").await.unwrap().etag);
}

pub async fn overwrite_is_atomic(f: &Fixture) {
    let s = f.storage.clone();
    let key = "o/poster.jpg";
    let len = 6 * MIB;
    let etag_a = put(s.as_ref(), Bucket::Previews, key, &vec![b'a'; len], None).await;
    // A reader that started on the old object finishes reading the old object.
    let mut reader = s.get(Bucket::Previews, key, None).await.unwrap();
    let first = reader.body.next().await.unwrap().unwrap();
    let etag_b = put(s.as_ref(), Bucket::Previews, key, &vec![b'b'; len], None).await;
    assert_ne!(etag_a, etag_b);
    let mut old = first.to_vec();
    old.extend(read_all(reader.body).await);
    assert_eq!(reader.meta.etag, etag_a);
    assert!(
        old.len() == len && old.iter().all(|&c| c == b'a'),
        "the first reader saw a mix"
    );

    // Readers racing a writer each see one whole version, with that version's ETag.
    let one = MIB;
    let mut etags = std::collections::HashMap::new();
    for c in [b'x', b'y', b'z'] {
        etags.insert(
            put(s.as_ref(), Bucket::Previews, "o/race", &vec![c; one], None).await,
            c,
        );
    }
    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..24 {
                let c = [b'x', b'y', b'z'][i % 3];
                put(s.as_ref(), Bucket::Previews, "o/race", &vec![c; one], None).await;
            }
        })
    };
    for _ in 0..24 {
        let obj = s.get(Bucket::Previews, "o/race", None).await.unwrap();
        let etag = obj.meta.etag.clone();
        let body = read_all(obj.body).await;
        assert_eq!(body.len(), one);
        let c = body[0];
        assert!(
            body.iter().all(|&b| b == c),
            "a reader saw a mix of versions"
        );
        assert_eq!(
            etags.get(&etag),
            Some(&c),
            "ETag does not describe the body read"
        );
    }
    writer.await.unwrap();
}

pub async fn invalid_keys_are_rejected(f: &Fixture) {
    let s = f.s();
    put(s, Bucket::Staging, "ok/key", b"x", None).await;
    let bad = [
        "../x", "/abs", "a//b", "a\\b", "a\0b", "", "a/./b", "a/..", "x\ny",
    ];
    for k in bad {
        let is_invalid =
            |r: Result<(), StorageError>| matches!(r, Err(StorageError::InvalidKey(_)));
        assert!(
            is_invalid(
                s.put(Bucket::Staging, k, chunked(b"x", 1), PutOptions::default())
                    .await
                    .map(drop)
            ),
            "put {k:?}"
        );
        assert!(
            is_invalid(s.get(Bucket::Staging, k, None).await.map(drop)),
            "get {k:?}"
        );
        assert!(
            is_invalid(s.head(Bucket::Staging, k).await.map(drop)),
            "head {k:?}"
        );
        assert!(
            is_invalid(s.delete(Bucket::Staging, k).await),
            "delete {k:?}"
        );
        assert!(
            is_invalid(
                s.copy(
                    (Bucket::Staging, "ok/key"),
                    (Bucket::Masters, k),
                    PutOptions::default()
                )
                .await
                .map(drop)
            ),
            "copy to {k:?}"
        );
        assert!(
            is_invalid(
                s.copy(
                    (Bucket::Staging, k),
                    (Bucket::Masters, "ok/x"),
                    PutOptions::default()
                )
                .await
                .map(drop)
            ),
            "copy from {k:?}"
        );
        assert!(
            is_invalid(s.presign_put(Bucket::Staging, k, None, TTL).await.map(drop)),
            "presign_put {k:?}"
        );
        assert!(
            is_invalid(s.presign_get(Bucket::Staging, k, None, TTL).await.map(drop)),
            "presign_get {k:?}"
        );
        assert!(
            is_invalid(s.create_multipart(Bucket::Staging, k, None).await.map(drop)),
            "create_multipart {k:?}"
        );
        assert_eq!(s.local_path(Bucket::Staging, k), None);
    }
    // Nothing escaped: the only object is the one written above.
    for b in Bucket::ALL {
        let keys: Vec<String> = s
            .list(b, "")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.key)
            .collect();
        let expected: &[&str] = if b == Bucket::Staging {
            &["ok/key"]
        } else {
            &[]
        };
        assert_eq!(keys, expected, "{b:?}");
    }
}

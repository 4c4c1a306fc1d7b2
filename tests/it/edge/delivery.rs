//! Serving: HEAD and ranges against known bytes, validators and 304, content types and cache
//! lifetimes, refusals with reasons, key rotation, the original link form, and CORS.

use super::{metric, put, raw_get, signed_path, signer_of, storage_of};
use crate::harness::{TestApp, data, new_key};
use mm::config::Role;
use reqwest::header::{self, HeaderMap};

const SEG: &str = "previews/a/v1/720p/seg_001.m4s";

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

fn h<'a>(m: &'a HeaderMap, k: &str) -> &'a str {
    m.get(k).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn head_ranges_and_validators_on_known_bytes() {
    let app = TestApp::spawn(Role::Edge).await;
    let storage = storage_of(&app).await;
    let data = data(10_000, 7);
    put(&storage, SEG, data.clone()).await;
    put(
        &storage,
        "previews/a/v1/index.m3u8",
        "#EXTM3U\n#EXT-X-VERSION:7\n",
    )
    .await;
    let path = signed_path(&app, "previews/a/v1/", SEG);

    let r = get(&app, &path, &[]).await;
    assert_eq!(r.status(), 200);
    let hd = r.headers().clone();
    assert_eq!(h(&hd, "content-type"), "video/iso.segment");
    assert_eq!(
        h(&hd, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(h(&hd, "accept-ranges"), "bytes");
    assert_eq!(h(&hd, "content-length"), "10000");
    assert_eq!(h(&hd, "x-content-type-options"), "nosniff");
    assert!(h(&hd, "content-security-policy").contains("sandbox"));
    let etag = h(&hd, "etag").to_string();
    let modified = h(&hd, "last-modified").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(modified.ends_with("GMT"), "{modified}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &data[..]);

    let head = app.client.head(app.url(&path)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(h(head.headers(), "content-length"), "10000");
    assert_eq!(h(head.headers(), "etag"), etag);
    assert!(head.bytes().await.unwrap().is_empty());

    for (range, start, end) in [
        ("bytes=0-99", 0, 99),
        ("bytes=5000-5009", 5000, 5009),
        ("bytes=-10", 9990, 9999),
        ("bytes=9990-", 9990, 9999),
        ("bytes=9000-20000", 9000, 9999),
    ] {
        let r = get(&app, &path, &[("range", range)]).await;
        assert_eq!(r.status(), 206, "{range}");
        assert_eq!(
            h(r.headers(), "content-range"),
            format!("bytes {start}-{end}/10000"),
            "{range}"
        );
        assert_eq!(
            h(r.headers(), "content-length"),
            (end - start + 1).to_string()
        );
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            &data[start..=end],
            "{range}"
        );
    }
    for range in ["bytes=10000-", "bytes=20000-30000", "bytes=-0"] {
        let r = get(&app, &path, &[("range", range)]).await;
        assert_eq!(r.status(), 416, "{range}");
        assert_eq!(h(r.headers(), "content-range"), "bytes */10000");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "range-not-satisfiable");
    }
    // Several ranges: the whole object (documented choice); a stale If-Range: the whole too.
    let multi = get(&app, &path, &[("range", "bytes=0-1,5-6")]).await;
    assert_eq!(multi.status(), 200);
    assert_eq!(multi.bytes().await.unwrap().len(), 10_000);
    let stale = get(
        &app,
        &path,
        &[("range", "bytes=0-1"), ("if-range", "\"old\"")],
    )
    .await;
    assert_eq!(stale.status(), 200);
    let fresh = get(&app, &path, &[("range", "bytes=0-1"), ("if-range", &etag)]).await;
    assert_eq!(fresh.status(), 206);

    let r = get(&app, &path, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 304);
    assert_eq!(h(r.headers(), "etag"), etag);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = get(
        &app,
        &path,
        &[("if-none-match", &format!("\"x\", W/{etag}"))],
    )
    .await;
    assert_eq!(r.status(), 304, "weak comparison");
    assert_eq!(
        get(&app, &path, &[("if-none-match", "\"x\"")])
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&app, &path, &[("if-modified-since", &modified)])
            .await
            .status(),
        304
    );
    let before = "Mon, 01 Jan 2001 00:00:00 GMT";
    assert_eq!(
        get(&app, &path, &[("if-modified-since", before)])
            .await
            .status(),
        200
    );
    // If-None-Match wins over If-Modified-Since.
    let both = [
        ("if-none-match", "\"x\""),
        ("if-modified-since", modified.as_str()),
    ];
    assert_eq!(get(&app, &path, &both).await.status(), 200);

    let pl = get(
        &app,
        &signed_path(&app, "previews/a/v1/", "previews/a/v1/index.m3u8"),
        &[],
    )
    .await;
    assert_eq!(pl.status(), 200);
    assert_eq!(
        h(pl.headers(), "content-type"),
        "application/vnd.apple.mpegurl"
    );
    assert_eq!(h(pl.headers(), "cache-control"), "public, max-age=2");

    for (object, status, code) in [
        ("previews/a/v1/720p/", 404, "not-found"),
        ("previews/a/v1/missing.m4s", 404, "not-found"),
        ("previews/a/v1/720p/seg_001.m4s/x", 404, "not-found"),
    ] {
        let r = get(&app, &signed_path(&app, "previews/a/v1/", object), &[]).await;
        assert_eq!(r.status(), status, "{object}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{object}");
    }
    let post = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(post.status(), 405);

    // Hot objects are answered from memory; a replaced object is seen at once.
    assert!(metric(&app, "mm_edge_memory_hits_total", &[]).await >= 10.0);
    let fresh = crate::harness::data(10_001, 7);
    put(&storage, SEG, fresh.clone()).await;
    let r = get(&app, &path, &[]).await;
    assert_ne!(h(r.headers(), "etag"), etag);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &fresh[..]);
    let r = get(&app, &path, &[("range", "bytes=10000-")]).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), &fresh[10_000..]);

    assert!(metric(&app, "mm_edge_requests_total", &[("status", "206")]).await >= 6.0);
    assert!(metric(&app, "mm_edge_requests_total", &[("status", "416")]).await >= 3.0);
    assert!(metric(&app, "mm_edge_bytes_sent_total", &[]).await >= 20_000.0);
    // Request metrics label edge answers by one route, never by the raw (unbounded) path.
    let route = [("route", "/s/{token}/{path}")];
    assert!(metric(&app, "mm_http_requests_total", &route).await >= 20.0);
    assert_eq!(
        metric(&app, "mm_http_requests_total", &[("route", "unmatched")]).await,
        0.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_why_and_are_counted() {
    let app = TestApp::spawn(Role::Edge).await;
    let storage = storage_of(&app).await;
    put(&storage, SEG, data(10, 7)).await;
    let s = signer_of(&app);
    let now = mm::signing::now();
    let expired = s.sign("previews/a/v1/", now - 3600).unwrap();
    let other = s.sign("previews/b/", now + 3600).unwrap();
    let foreign = mm::signing::Signer::new(
        &mm::config::Config::from_env(&mm::config::Env::from_pairs([(
            "MM_EDGE_KEYS",
            format!("zz:{}", new_key()),
        )]))
        .edge_keys,
    )
    .sign("previews/a/v1/", now + 3600)
    .unwrap();
    for (token, status, code) in [
        (expired.as_str(), 403, "expired"),
        (other.as_str(), 403, "out-of-scope"),
        (foreign.as_str(), 403, "unknown-key"),
        ("not-a-token", 400, "malformed-token"),
        ("", 400, "malformed-token"),
    ] {
        let r = raw_get(&app, "GET", &format!("/s/{token}/{SEG}")).await;
        assert_eq!(r.status, status, "{code}");
        assert_eq!(r.json()["code"], code);
        assert_eq!(
            r.headers.get("cache-control").map(String::as_str),
            Some("no-store")
        );
    }
    for reason in ["expired", "out-of-scope", "unknown-key", "malformed"] {
        let n = metric(&app, "mm_edge_verify_failures_total", &[("reason", reason)]).await;
        assert!(n >= 1.0, "{reason}: {n}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rotated_keys_old_tokens_keep_working_and_the_new_key_signs() {
    let (old, new) = (format!("k1:{}", new_key()), format!("k2:{}", new_key()));
    let app = TestApp::builder(Role::All)
        .env("MM_EDGE_KEYS", format!("{new},{old}"))
        .spawn()
        .await;
    let storage = storage_of(&app).await;
    put(&storage, SEG, data(10, 7)).await;
    let signer = |keys: &str| {
        mm::signing::Signer::new(
            &mm::config::Config::from_env(&mm::config::Env::from_pairs([("MM_EDGE_KEYS", keys)]))
                .edge_keys,
        )
    };
    let before = signer(&old)
        .sign("previews/a/v1/", mm::signing::now() + 60)
        .unwrap();
    let r = raw_get(&app, "GET", &format!("/s/{before}/{SEG}")).await;
    assert_eq!(
        r.status, 200,
        "a link signed before the rotation still plays"
    );
    // What the edge signs now carries the new key id and verifies with the new key alone.
    let fresh = signer_of(&app)
        .sign("previews/a/v1/", mm::signing::now() + 60)
        .unwrap();
    let g = signer(&new).verify(&fresh, mm::signing::now()).unwrap();
    assert_eq!(g.kid, "k2");
    // Once the old key is dropped, its links stop.
    let after = TestApp::builder(Role::Edge)
        .env("MM_EDGE_KEYS", new)
        .spawn()
        .await;
    put(&storage_of(&after).await, SEG, data(10, 7)).await;
    let r = raw_get(&after, "GET", &format!("/s/{before}/{SEG}")).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (403, Some("unknown-key"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_in_the_original_form_keep_working() {
    let legacy_key = "an-old-deployment-secret-of-32+chars!!";
    let app = TestApp::builder(Role::Edge)
        .env("EDGE_SIGNING_KEY", legacy_key)
        .spawn()
        .await;
    let storage = storage_of(&app).await;
    let path = "previews/abc/index.m3u8";
    put(&storage, path, "#EXTM3U\n").await;
    // Signed exactly as the old backend's sign.ts did, by hand here.
    let exp = mm::signing::now() + 600;
    let msg = format!("/s/{path}?exp={exp}");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, legacy_key.as_bytes());
    let sig = hex::encode(ring::hmac::sign(&key, msg.as_bytes()).as_ref());
    let r = raw_get(&app, "GET", &format!("/s/{path}?exp={exp}&sig={sig}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"#EXTM3U\n");
    assert_eq!(r.headers["content-type"], "application/vnd.apple.mpegurl");

    let mut wrong = sig.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    let old = exp - 4000;
    let old_sig = {
        let m = format!("/s/{path}?exp={old}");
        hex::encode(ring::hmac::sign(&key, m.as_bytes()).as_ref())
    };
    for (query, status, code) in [
        (format!("exp={exp}&sig={wrong}"), 403, "bad-signature"),
        (format!("exp={}&sig={sig}", exp + 1), 403, "bad-signature"),
        (format!("exp={old}&sig={old_sig}"), 403, "expired"),
        (format!("exp={exp}&sig=xyz"), 400, "malformed-token"),
        (format!("sig={sig}"), 400, "malformed-token"),
    ] {
        let r = raw_get(&app, "GET", &format!("/s/{path}?{query}")).await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (status, Some(code)),
            "{query}"
        );
    }
    // One object only: the signature of the playlist does not open its neighbour.
    put(&storage, "previews/abc/seg.ts", "x").await;
    let r = raw_get(
        &app,
        "GET",
        &format!("/s/previews/abc/seg.ts?exp={exp}&sig={sig}"),
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_answers_only_allowed_origins() {
    let allowed = "https://app.example.com";
    let app = TestApp::builder(Role::Edge)
        .env(
            "ALLOWED_ORIGINS",
            format!("{allowed},https://other.example.com"),
        )
        .spawn()
        .await;
    put(&storage_of(&app).await, SEG, data(10, 7)).await;
    let path = signed_path(&app, "previews/a/v1/", SEG);

    let r = get(&app, &path, &[("origin", allowed)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(h(r.headers(), "access-control-allow-origin"), allowed);
    assert!(h(r.headers(), "access-control-expose-headers").contains("content-range"));
    assert!(h(r.headers(), "vary").contains("Origin"));
    let r = get(&app, &path, &[("origin", "https://evil.example.com")]).await;
    assert_eq!(
        r.status(),
        200,
        "the object is still served; the browser withholds it"
    );
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let preflight = |origin: &'static str, method: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url(&path))
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "range")
            .send()
    };
    let ok = preflight(allowed, "GET").await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(h(ok.headers(), "access-control-allow-origin"), allowed);
    assert!(h(ok.headers(), "access-control-allow-methods").contains("GET"));
    assert!(h(ok.headers(), "access-control-allow-headers").contains("range"));
    assert!(ok.headers().contains_key(header::ACCESS_CONTROL_MAX_AGE));
    let refused = preflight("https://evil.example.com", "GET").await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "origin-not-allowed");
    let post = preflight(allowed, "POST").await.unwrap();
    assert_eq!(post.status(), 403);

    // Without ALLOWED_ORIGINS nobody gets CORS headers.
    let closed = TestApp::spawn(Role::Edge).await;
    put(&storage_of(&closed).await, SEG, data(10, 7)).await;
    let path = signed_path(&closed, "previews/a/v1/", SEG);
    let r = get(&closed, &path, &[("origin", allowed)]).await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

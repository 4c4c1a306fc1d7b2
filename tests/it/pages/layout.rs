//! Pages: the layout, the strict Content-Security-Policy and the absence of inline code, static
//! files with fingerprinted URLs and ETags, the vendored hls.js, friendly 404 and 5xx pages.

use super::{assert_no_inline_code, static_urls};
use crate::harness::TestApp;
use mm::config::Role;
use reqwest::header;

#[tokio::test(flavor = "multi_thread")]
async fn pages_carry_a_strict_csp_and_no_inline_code() {
    let app = TestApp::builder(Role::All)
        .env("MM_EDGE_PUBLIC_BASE", "https://edge.example.com")
        .spawn()
        .await;
    let res = app.client.get(app.url("/setup")).send().await.unwrap();
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    for directive in [
        "default-src 'self'",
        "script-src 'self';",
        "style-src 'self';",
        "img-src 'self' data: blob: https://edge.example.com",
        "media-src 'self' blob: https://edge.example.com",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = res.text().await.unwrap();
    assert_no_inline_code(&html);
    assert!(html.contains("href=\"#main\""), "skip link");
    assert!(html.contains("<main id=\"main\""));

    // JSON answers are not pages: no page policy on them.
    let api = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert!(!api.headers().contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test(flavor = "multi_thread")]
async fn static_files_are_fingerprinted_and_revalidated_by_etag() {
    let app = TestApp::spawn(Role::Api).await;
    let html = app
        .client
        .get(app.url("/setup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let urls = static_urls(&html);
    let css = urls
        .iter()
        .find(|u| u.starts_with("/static/app.css?v="))
        .unwrap();
    assert!(
        urls.iter().any(|u| u.starts_with("/static/js/app.js?v=")),
        "{urls:?}"
    );

    let res = app.client.get(app.url(css)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        res.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let etag = res.headers()[header::ETAG].clone();
    let body = res.bytes().await.unwrap();
    assert_eq!(body, std::fs::read("static/app.css").unwrap());

    // The same file under an old or missing hash must be revalidated, and the ETag does it.
    let plain = app
        .client
        .get(app.url("/static/app.css?v=0000"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.headers()[header::CACHE_CONTROL], "no-cache");
    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    for path in [
        "/static/nope.js",
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/js/../../Cargo.toml",
        "/static/",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hls_js_comes_from_the_locked_npm_package() {
    let app = TestApp::spawn(Role::Api).await;
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("package-lock.json").unwrap()).unwrap();
    let version = lock["packages"]["node_modules/hls.js"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .get(app.url("/static/vendor/hls.min.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "run `npm ci` (scripts/deps.sh) first");
    let body = res.text().await.unwrap();
    assert_eq!(
        body.as_bytes(),
        std::fs::read("node_modules/hls.js/dist/hls.min.js").unwrap()
    );
    assert!(body.contains(&version), "hls.js {version} expected");
    let worker = app
        .client
        .get(app.url("/static/vendor/hls.worker.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(worker.status(), 200);
    // No copy of it is kept in the repository.
    assert!(!std::path::Path::new("static/vendor/hls.min.js").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_pages_get_a_friendly_404_and_api_paths_json() {
    let app = TestApp::spawn(Role::All).await;
    let res = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Back to the library"));
    assert_no_inline_code(&html);

    let res = app.client.get(app.url("/api/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not-found");
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_out_visitors_go_to_login_and_the_layout_shows_who_is_signed_in() {
    use crate::harness::{ApiClient, seed_user};
    use mm::auth::Role as UserRole;
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let res = app.client.get(app.url("/upload")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fupload");

    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let res = ed.client.get(app.url("/upload")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let html = res.text().await.unwrap();
    assert_no_inline_code(&html);
    assert!(
        html.contains(&format!(
            r#"<meta name="csrf-token" content="{}">"#,
            ed.csrf
        )),
        "the page hands its scripts the session's CSRF token"
    );
    assert!(html.contains(r#"<a href="/upload" aria-current="page">Upload</a>"#));
    assert!(
        html.contains("<span>ed</span>"),
        "the signed-in user is named"
    );
    assert!(
        !html.contains(r#"href="/admin""#),
        "an editor has no admin pages"
    );
    assert!(html.contains(r#"data-parallel="4""#));
    assert!(html.contains(r#"action="/logout""#));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_is_refused_the_upload_page_with_a_friendly_page() {
    use crate::harness::{ApiClient, seed_user};
    use mm::auth::Role as UserRole;
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let res = vic.client.get(app.url("/upload")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let html = res.text().await.unwrap();
    assert_no_inline_code(&html);
    assert!(html.contains("<h1>Forbidden</h1>"), "{html}");
    assert!(html.contains("Back to the library"));
    for path in ["/admin/users", "/admin/audit", "/admin"] {
        let res = vic.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_during_a_database_outage_shows_the_friendly_page_and_recovers() {
    use crate::harness::{ApiClient, seed_user};
    use crate::harness::{PrivatePostgres, TestDb};
    use mm::auth::Role as UserRole;
    use std::time::{Duration, Instant};
    let pg = PrivatePostgres::start();
    let db = TestDb::on(pg.admin_url()).await;
    let app = TestApp::builder(Role::Api).database(db).spawn().await;
    seed_user(&app, "ada@mm.test", UserRole::Admin);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    assert_eq!(
        ada.client
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    pg.stop();
    let deadline = Instant::now() + Duration::from_secs(20);
    let res = loop {
        let res = ada
            .client
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap();
        if res.status().is_server_error() || Instant::now() > deadline {
            break res;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    assert!(
        res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("Temporarily unavailable"), "{html}");
    assert_no_inline_code(&html);
    for internal in ["database", "diesel", "postgres", "connection", "pool"] {
        assert!(
            !html.to_lowercase().contains(internal),
            "{internal} shown in {html}"
        );
    }
    // The same outage on the JSON API stays JSON.
    let api = ada.client.get(app.url("/api/users")).send().await.unwrap();
    assert_eq!(api.status(), 503);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["code"], "database-unavailable");

    pg.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = ada
            .client
            .get(app.url("/admin/users"))
            .send()
            .await
            .unwrap()
            .status();
        if s == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still {s} after the restart");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

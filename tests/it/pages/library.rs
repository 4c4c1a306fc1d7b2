//! The library page: cards from the same query as the API, search, filters, sort, pages, list
//! view, the processing percent, the empty state, and the server time it reports.

use super::assert_no_inline_code;
use crate::harness::{ApiClient, TestApp, exec, seed_user};
use mm::auth::Role as UserRole;
use mm::config::Role;

/// `n` assets "Clip 001".. with a current version probed as 5 s of 1920x1080; every tenth is
/// audio, every seventh failed, "Clip 005" processing at 42 %, "Clip 003" has an unsafe title.
pub fn seed_library(app: &TestApp, n: i32) {
    app.allow_unfinished_jobs(
        "the library's 'running' preview job is a row inserted for the pages to show; no worker owns it",
    );
    exec(
        app,
        &format!(
            "WITH a AS (
               INSERT INTO assets (id, title, description, tags, media_type, filename, size_bytes,
                                   status, created_at)
               SELECT gen_random_uuid(),
                      CASE WHEN g = 3 THEN '<script>alert(3)</script> Clip 003'
                           ELSE 'Clip ' || lpad(g::text, 3, '0') END,
                      'Shot ' || g, ARRAY['reel' || (g % 5)],
                      CASE WHEN g % 10 = 0 THEN 'audio' ELSE 'video' END,
                      'A001_C' || lpad(g::text, 3, '0') || '.mov', 1000000 * g,
                      CASE WHEN g % 7 = 0 THEN 'failed' WHEN g = 5 THEN 'processing' ELSE 'ready' END,
                      now() - g * interval '1 minute'
               FROM generate_series(1, {n}) g
               RETURNING id, filename, media_type, size_bytes, status)
             INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type,
                                         size_bytes, staging_key, master_key, status, technical,
                                         stored_at, error)
             SELECT gen_random_uuid(), a.id, 1, a.filename, 'video/quicktime', a.media_type,
                    a.size_bytes, 'staging/' || a.id || '/' || a.filename,
                    'masters/' || a.id || '/v1/' || a.filename, a.status,
                    '{{\"duration\": 5.02, \"video\": {{\"width\": 1920, \"height\": 1080, \"frame_rate\": 25, \"codec\": \"h264\"}}, \"timecode\": \"01:00:00:00\"}}'::jsonb,
                    now(),
                    CASE WHEN a.status = 'failed' THEN 'The file is not a video ffmpeg can read.' END
             FROM a"
        ),
    );
    exec(
        app,
        "UPDATE assets SET current_version_id = v.id, version_count = 1
         FROM asset_versions v WHERE v.asset_id = assets.id",
    );
    exec(
        app,
        "INSERT INTO jobs (id, kind, payload, state, progress, asset_id, version_id)
         SELECT gen_random_uuid(), 'preview', '{}', 'running', 42, id, current_version_id
         FROM assets WHERE title = 'Clip 005'",
    );
}

fn cards(html: &str) -> usize {
    html.matches("data-asset-id=").count()
}

async fn get(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let timing = r
        .headers()
        .get("server-timing")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, timing, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_library_leads_to_upload_for_those_who_may() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (status, _, html) = get(&ed.client, &app, "/").await;
    assert_eq!(status, 200);
    assert_no_inline_code(&html);
    assert!(html.contains("The library is empty"));
    assert!(html.contains(r#"<a class="button primary" href="/upload">Upload files</a>"#));
    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let (_, _, html) = get(&vic.client, &app, "/").await;
    assert!(html.contains("Nothing has been uploaded yet."));
    assert!(
        !html.contains(r#"href="/upload""#),
        "a viewer is not offered uploads"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_lists_searches_filters_sorts_and_pages() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    seed_library(&app, 120);
    let vic = ApiClient::login(&app, "vic@mm.test").await;

    let (status, timing, html) = get(&vic.client, &app, "/").await;
    assert_eq!(status, 200);
    assert_no_inline_code(&html);
    assert!(timing.contains("total;dur="), "{timing}");
    assert_eq!(cards(&html), 50);
    assert!(html.contains("1–50 of 120 assets"));
    assert!(html.contains(r#"<a href="/?page=2" rel="next">Next</a>"#));
    // Newest first: Clip 001 was created last.
    let first = html.find("Clip 001").unwrap();
    assert!(first < html.find("Clip 002").unwrap());
    assert!(html.contains("0:05") && html.contains("1920×1080"));
    assert!(
        html.contains(">Processing 42%<"),
        "the processing card shows its percent"
    );
    assert!(html.contains(r#"data-state="failed""#));
    assert!(html.contains("&#60;script&#62;alert(3)&#60;/script&#62; Clip 003"));
    assert!(!html.contains("<script>alert(3)"));

    let (_, _, html) = get(&vic.client, &app, "/?page=3").await;
    assert_eq!(cards(&html), 20);
    assert!(html.contains("101–120 of 120 assets"));
    assert!(html.contains(r#"<a href="/?page=2" rel="prev">Previous</a>"#));

    let (_, _, html) = get(&vic.client, &app, "/?q=Clip+042").await;
    assert_eq!(cards(&html), 1, "{html}");
    assert!(html.contains("Clip 042"));
    let (_, _, html) = get(&vic.client, &app, "/?q=A001_C017").await;
    assert_eq!(cards(&html), 1, "file names are searched");
    let (_, _, html) = get(&vic.client, &app, "/?q=nothing-like-this").await;
    assert!(html.contains("Nothing matches"));

    let (_, _, html) = get(&vic.client, &app, "/?status=failed").await;
    assert_eq!(cards(&html), 17, "every seventh of 120");
    assert_eq!(html.matches(r#"data-state="failed""#).count(), 17);
    let (_, _, html) = get(&vic.client, &app, "/?media=audio&sort=title").await;
    assert_eq!(cards(&html), 12);
    assert!(html.find("Clip 010").unwrap() < html.find("Clip 020").unwrap());
    assert!(html.contains(r#"<option value="title" selected>"#));
    let (_, _, html) = get(&vic.client, &app, "/?sort=oldest").await;
    assert!(html.find("Clip 120").unwrap() < html.find("Clip 119").unwrap());
    let (_, _, html) = get(&vic.client, &app, "/?from=2000-01-01&to=2000-12-31").await;
    assert!(html.contains("Nothing matches"));

    let (_, _, html) = get(&vic.client, &app, "/?view=list&page=2").await;
    assert!(html.contains(r#"<table class="list" data-library>"#));
    assert_eq!(cards(&html), 50);
    assert!(
        html.contains(r#"<a href="/?page=3&#38;view=list" rel="next">"#),
        "{html}"
    );

    // Bad values are reported on the page; it still answers.
    let (status, _, html) = get(&vic.client, &app, "/?status=lost&page=x&from=soon").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"role="alert""#));
    assert!(html.contains("Unknown status"));
    assert_eq!(cards(&html), 50);
}

//! The asset page: status, details, versions, technical metadata and the player's data, what
//! each role may do there, the failure reason with Retry, and the original download.

use super::assert_no_inline_code;
use super::library::seed_library;
use crate::harness::{ApiClient, TestApp, count, exec, seed_user};
use mm::auth::Role as UserRole;
use mm::config::Role;

fn id_of(app: &TestApp, title: &str) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    diesel::sql_query(format!(
        "SELECT id::text AS id FROM assets WHERE title = '{title}'"
    ))
    .get_result::<Row>(&mut app.db.conn())
    .unwrap()
    .id
}

/// The JSON block the page hands its player.
fn player_data(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script type="application/json" id="player-data">"#)
        .unwrap();
    let rest = &html[start..];
    let body = &rest[rest.find('>').unwrap() + 1..rest.find("</script>").unwrap()];
    serde_json::from_str(body).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ready_asset_shows_player_details_versions_and_metadata() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    seed_library(&app, 8);
    let id = id_of(&app, "Clip 001");
    let ed = ApiClient::login(&app, "ed@mm.test").await;

    let res = ed
        .client
        .get(app.url(&format!("/assets/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_no_inline_code(&html);
    assert!(html.contains("<title>Clip 001 · Motion Mavericks</title>"));
    assert!(html.contains(r#"data-state="ready">Ready<"#));
    assert!(
        html.contains("<dt>Resolution</dt><dd>1920×1080</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>Frame rate</dt><dd>25 fps</dd>"));
    assert!(html.contains("<dt>Timecode</dt><dd>01:00:00:00</dd>"));
    assert!(html.contains(r#"aria-current="true">v1</a>"#));
    assert!(html.contains("/static/vendor/hls.min.js?v="));
    let data = player_data(&html);
    assert_eq!(data["asset_id"], id.as_str());
    // The page states the rate and start timecode once, on the player box.
    assert!(data.get("frame_rate").is_none() && data.get("timecode_start").is_none());
    assert!(
        html.contains(r#"data-player data-frame-rate="25/1" data-start-timecode=""#),
        "{html}"
    );
    let version = data["version_id"].as_str().unwrap();
    assert_eq!(data["preview_prefix"], format!("previews/{id}/{version}/"));
    // An editor edits, sets the poster and downloads; only deleting is beyond the role.
    assert!(html.contains("data-edit"));
    assert!(html.contains("data-set-poster"));
    assert!(html.contains(&format!(
        r#"href="/assets/{id}/download?version={version}""#
    )));
    assert!(!html.contains("data-delete"));

    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let html = vic
        .client
        .get(app.url(&format!("/assets/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("data-edit") && !html.contains("data-set-poster"));
    assert!(
        !html.contains("/download"),
        "a viewer may not download originals"
    );
    assert!(
        html.contains("<p>Shot 1</p>"),
        "the description is shown read-only"
    );

    for path in [
        "/assets/00000000-0000-0000-0000-000000000000".to_string(),
        "/assets/not-a-uuid".to_string(),
        format!("/assets/{id}?version=00000000-0000-0000-0000-000000000000"),
    ] {
        let res = vic.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.text().await.unwrap().contains("Page not found"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn posters_are_signed_for_their_preview_directory_and_the_edge_serves_them() {
    use futures_util::StreamExt;
    let app = TestApp::spawn(Role::All).await;
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    seed_library(&app, 2);
    let id = id_of(&app, "Clip 001");
    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let html = vic
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let card = &html[html.find(&format!(r#"data-asset-id="{id}""#)).unwrap()..];
    let src = &card[card.find(r#"<img src=""#).unwrap() + 10..];
    let src = src[..src.find('"').unwrap()].to_string();
    assert!(src.starts_with(&app.url("/s/")), "{src}");
    assert!(src.ends_with("/poster.jpg"), "{src}");
    let version = src.split('/').rev().nth(1).unwrap().to_string();
    assert!(src.contains(&format!("/previews/{id}/{version}/")));

    // The edge honours it once the file exists; the same token opens nothing outside.
    let jpeg = bytes::Bytes::from_static(b"\xff\xd8\xff poster");
    let storage = mm::storage::open(&app.config()).await.unwrap();
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(jpeg) }).boxed();
    storage
        .put(
            mm::storage::Bucket::Previews,
            &format!("previews/{id}/{version}/poster.jpg"),
            body,
            Default::default(),
        )
        .await
        .unwrap();
    let got = reqwest::get(&src).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let other = src.replace(&format!("previews/{id}/"), "previews/someone-else/");
    assert_eq!(reqwest::get(&other).await.unwrap().status(), 403);
    // The same URL on the asset page, so the browser reuses its cached copy.
    let page = vic
        .client
        .get(app.url(&format!("/assets/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(r#"poster="{}""#, src.replace('&', "&#38;"))));

    // A re-rendered poster gets a new URL, so no browser keeps showing the old one.
    crate::harness::exec(
        &app,
        &format!(
            "INSERT INTO jobs (id, kind, payload, state, progress, asset_id, version_id)
             VALUES ('0123456789ab4def8123456789abcdef', 'poster', '{{}}', 'succeeded', 100,
                     '{id}', '{version}')"
        ),
    );
    let html = vic
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fresh = format!("{}?r=0123456789ab", src);
    assert!(html.contains(&format!(r#"<img src="{fresh}""#)), "{html}");
    assert_eq!(reqwest::get(&fresh).await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_asset_says_why_and_offers_retry_a_processing_one_its_percent() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_library(&app, 8);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let failed = id_of(&app, "Clip 007");
    let html = ed
        .client
        .get(app.url(&format!("/assets/{failed}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("The file is not a video ffmpeg can read."));
    assert!(html.contains(r#"<button type="button" data-retry>Retry processing</button>"#));
    assert!(
        !html.contains(r#"id="player-data""#),
        "no player without a preview"
    );

    let busy = id_of(&app, "Clip 005");
    let html = ed
        .client
        .get(app.url(&format!("/assets/{busy}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(">Processing 42%<"));
    assert!(html.contains(r#"value="42" data-progress"#));
    assert!(html.contains("data-waiting"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_original_downloads_through_a_short_lived_link_and_is_audited() {
    use futures_util::StreamExt;
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vic@mm.test", UserRole::Viewer);
    seed_library(&app, 2);
    let id = id_of(&app, "Clip 001");
    let storage = mm::storage::open(&app.config()).await.unwrap();
    let key = format!("masters/{id}/v1/A001_C001.mov");
    let bytes = bytes::Bytes::from_static(b"master bytes of Clip 001");
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) }).boxed();
    storage
        .put(mm::storage::Bucket::Masters, &key, body, Default::default())
        .await
        .unwrap();

    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let res = ed
        .client
        .get(app.url(&format!("/assets/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let file = ed.client.get(&to).send().await.unwrap();
    assert_eq!(file.status(), 200, "{to}");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("A001_C001.mov")
    );
    assert_eq!(
        file.bytes().await.unwrap().as_ref(),
        b"master bytes of Clip 001"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'asset.download'"
        ),
        1
    );

    let vic = ApiClient::login(&app, "vic@mm.test").await;
    let res = vic
        .client
        .get(app.url(&format!("/assets/{id}/download")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// The asset page describes an HDR master's preview as it was made (the `color` its manifest
/// recorded, kept on the version), not as the current settings would make it: this app maps
/// with the default operator, the preview was made with tone mapping off.
#[tokio::test(flavor = "multi_thread")]
async fn an_hdr_master_is_described_as_its_preview_was_made() {
    let app = TestApp::spawn(Role::Api).await;
    assert_eq!(
        app.config().preview.hdr_tonemap,
        mm::config::HdrTonemap::Mobius
    );
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_library(&app, 4);
    let hdr = r#"{"duration": 5.0, "video": {"codec": "hevc", "profile": "Main 10",
        "width": 1920, "height": 1080, "sample_aspect": [1, 1], "display_width": 1920,
        "display_height": 1080, "rotation": 0, "r_frame_rate": "25/1", "avg_frame_rate": "25/1",
        "frame_rate": 25.0, "vfr": false, "pix_fmt": "yuv420p10le", "bit_depth": 10,
        "color_primaries": "bt2020", "color_transfer": "smpte2084", "color_space": "bt2020nc",
        "color_range": "tv"}}"#;
    let off = r#"{"source": "pq", "tonemap": "off", "output": "source", "dithered": true}"#;
    let mapped = r#"{"source": "pq", "tonemap": "hable", "output": "bt709", "dithered": true}"#;
    for (title, color) in [
        ("Clip 001", Some(off)),
        ("Clip 002", Some(mapped)),
        ("Clip 004", None),
    ] {
        let color = color.map_or("NULL".into(), |c| format!("'{c}'::jsonb"));
        exec(
            &app,
            &format!(
                "UPDATE asset_versions v SET technical = '{hdr}'::jsonb, preview_color = {color}
                 FROM assets a WHERE a.id = v.asset_id AND a.title = '{title}'"
            ),
        );
    }
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    for (title, says) in [
        ("Clip 001", "HDR (PQ), previewed without tone mapping"),
        ("Clip 002", "HDR (PQ), previewed as SDR"),
        // No preview has recorded how it was made: the page claims nothing about it.
        ("Clip 004", "HDR (PQ)"),
    ] {
        let id = id_of(&app, title);
        let res = ed
            .client
            .get(app.url(&format!("/assets/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("<dt>Dynamic range</dt><dd>{says}</dd>")),
            "{title}: {}",
            &html[html.find("<dt>Pixel format").unwrap_or(0)..][..600.min(html.len())]
        );
    }
}

//! A real player: ffmpeg opens the signed master playlist, follows the relative URIs of the
//! variant playlist, init segment and media segments through the edge, and decodes it all.

use super::{metric, put, storage_of};
use crate::harness::TestApp;
use mm::config::Role;
use std::path::Path;
use std::process::Command;

/// A 4 s HLS tree (fMP4, one rendition in `360p/`) written by ffmpeg into `dir`.
fn make_hls(dir: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=25",
        ])
        .args(["-f", "lavfi", "-i", "sine", "-t", "4"])
        .args([
            "-c:v",
            "libx264",
            "-g",
            "25",
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
        ])
        .args(["-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod"])
        .args(["-hls_segment_type", "fmp4", "-master_pl_name", "index.m3u8"])
        .args(["-var_stream_map", "v:0,a:0,name:360p"])
        .arg("-hls_segment_filename")
        .arg(dir.join("%v/seg_%03d.m4s"))
        .arg(dir.join("%v/index.m3u8"))
        .output()
        .expect("ffmpeg is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    for sub in ["", "360p"] {
        for f in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            if f.file_type().unwrap().is_file() {
                let name = f.file_name().into_string().unwrap();
                files.push(if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                });
            }
        }
    }
    files.sort();
    files
}

fn ffmpeg_decodes(url: &str) -> std::process::Output {
    Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-nostdin",
            "-rw_timeout",
            "10000000",
            "-i",
            url,
        ])
        .args(["-f", "null", "-"])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn ffmpeg_plays_a_signed_master_playlist_through_the_edge() {
    let app = TestApp::spawn(Role::All).await;
    let storage = storage_of(&app).await;
    let tree = tempfile::tempdir().unwrap();
    let files = make_hls(tree.path());
    assert!(files.len() >= 6, "{files:?}");
    // Prefixes are signed for live assets only.
    let owner = crate::harness::seed_user(&app, "owner@mm.test", mm::auth::Role::Editor);
    let seeded: std::collections::HashMap<_, _> = crate::ingest::seed_for_matrix(&app, owner.id)
        .into_iter()
        .collect();
    let prefix = &format!("previews/{}/{}/", seeded["{asset}"], seeded["{version}"]);
    for f in &files {
        let data = std::fs::read(tree.path().join(f)).unwrap();
        put(&storage, &format!("{prefix}{f}"), data).await;
    }
    let token = super::sign_api::viewer_token(&app, &[mm::auth::Permission::PreviewsSign]);
    let body = serde_json::json!({"preview_prefix": prefix});
    let (status, body) = super::sign_api::sign_as(&app, Some(&token), body).await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap().to_string();

    let before = metric(&app, "mm_edge_requests_total", &[("status", "200")]).await
        + metric(&app, "mm_edge_requests_total", &[("status", "206")]).await;
    let out = tokio::task::spawn_blocking(move || ffmpeg_decodes(&url))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = metric(&app, "mm_edge_requests_total", &[("status", "200")]).await
        + metric(&app, "mm_edge_requests_total", &[("status", "206")]).await;
    assert!(
        after - before >= files.len() as f64,
        "every playlist and segment came through the edge: {} of {}",
        after - before,
        files.len()
    );
    assert_eq!(
        metric(&app, "mm_edge_requests_total", &[("status", "403")]).await,
        0.0
    );

    // A token for another asset's directory plays nothing of this one.
    let other = mm::signing::Signer::new(&app.config().edge_keys)
        .playback_url(
            &app.url(""),
            "previews/asset-q/v1/",
            None,
            mm::signing::now() + 60,
        )
        .unwrap();
    let foreign = other.url.replace("asset-q", "asset-p");
    let out = tokio::task::spawn_blocking(move || ffmpeg_decodes(&foreign))
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(metric(&app, "mm_edge_requests_total", &[("status", "403")]).await >= 1.0);
}

/// The same player through the S3 path: every playlist and segment is fetched from S3 once,
/// into the disk cache, and served from there.
#[tokio::test(flavor = "multi_thread")]
async fn ffmpeg_plays_through_the_s3_disk_cache() {
    let moto = crate::harness::Moto::start();
    let s3 = super::cache::origin(&moto).await;
    let tree = tempfile::tempdir().unwrap();
    let files = make_hls(tree.path());
    let prefix = "previews/asset-s3/v1/";
    for f in &files {
        let data = std::fs::read(tree.path().join(f)).unwrap();
        put(&s3, &format!("{prefix}{f}"), data).await;
    }
    let cache = tempfile::tempdir().unwrap();
    let app = super::cache::s3_edge(&moto, &moto.endpoint(), cache.path(), &[]).await;
    let url = mm::signing::Signer::new(&app.config().edge_keys)
        .playback_url(&app.url(""), prefix, None, mm::signing::now() + 600)
        .unwrap()
        .url;
    let out = tokio::task::spawn_blocking(move || ffmpeg_decodes(&url))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fetched = metric(&app, "mm_edge_cache_origin_fetches_total", &[]).await;
    assert_eq!(fetched, files.len() as f64, "each file once from S3");
    assert_eq!(
        metric(&app, "mm_edge_cache_objects", &[]).await,
        files.len() as f64
    );
}

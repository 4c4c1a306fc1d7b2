//! Stills through the real pipeline: a PNG that ffmpeg makes, uploaded and previewed by the
//! worker, becomes a ready image with a bounded preview picture and no ladder; its page shows
//! the still with the review panel; it takes comments at no time with a drawing, and a comment
//! at a frame is refused. Each still format mm reads (JPEG, TIFF, WebP, GIF) is probed and
//! rendered by the same code, and bytes that are no picture fail with a reason.

use crate::harness::{ApiClient, count, parts, seed_user};
use crate::ingest::Ingest;
use crate::preview::clips::ffprobe_json;
use crate::preview::job::{PREVIEW_ENV, id, preview_job, version_of};
use crate::preview::tools;
use mm::auth::Role as UserRole;
use mm::media::{MediaInput, still};
use mm::previews;
use mm::storage::Bucket;
use reqwest::Method;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A `w`x`h` test picture in the format `name`'s extension says, made by ffmpeg.
pub fn picture(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let out = dir.join(name);
    let st = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("testsrc2=size={w}x{h}"))
        .args(["-frames:v", "1", "-update", "1"])
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(st.success());
    out
}

/// Width and height of a picture file, by ffprobe.
fn size_of(bytes: &[u8]) -> (u64, u64) {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    let v = ffprobe_json(&["-show_streams", f.path().to_str().unwrap()]);
    let s = &v["streams"][0];
    (s["width"].as_u64().unwrap(), s["height"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uploaded_png_becomes_a_ready_image_reviewed_at_no_time() {
    let t = Ingest::start(PREVIEW_ENV).await;
    let dir = tempfile::tempdir().unwrap();
    let png = picture(dir.path(), "board.png", 3000, 1500);
    let done = t
        .upload("board.png", &std::fs::read(&png).unwrap(), json!({}))
        .await;
    let (asset_id, version_id) = (id(&done["asset_id"]), id(&done["version_id"]));
    let job = preview_job(&t, asset_id, |j| {
        j.state == "succeeded" || j.state == "failed"
    })
    .await;
    assert_eq!(job.state, "succeeded", "{job:?}");
    let v = version_of(&t, version_id).await;
    assert_eq!(
        (v.status.as_str(), v.media_type.as_str()),
        ("ready", "image")
    );
    let tech = v.technical.unwrap();
    assert_eq!(tech["still"], true, "{tech}");
    assert_eq!(tech["container"], "png_pipe");
    assert_eq!(
        (
            tech["video"]["width"].as_u64(),
            tech["video"]["height"].as_u64()
        ),
        (Some(3000), Some(1500))
    );
    assert_eq!(tech["duration"], 0.0);

    // No ladder: the preview is the picture, bounded to 2048 px on its longer side.
    let prefix = previews::prefix(asset_id, version_id);
    assert!(
        t.object(Bucket::Previews, &previews::master_key(&prefix))
            .await
            .is_none()
    );
    let poster = t
        .object(Bucket::Previews, &format!("{prefix}/poster.jpg"))
        .await
        .expect("the preview picture is published");
    assert_eq!(&poster[..3], b"\xff\xd8\xff", "a JPEG");
    assert_eq!(size_of(&poster), (2048, 1024));
    let manifest: serde_json::Value = serde_json::from_slice(
        &t.object(Bucket::Previews, &format!("{prefix}/manifest.json"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["still"], true);
    assert!(manifest["master"].is_null() && manifest["renditions"] == json!([]));

    // The page shows the still with the review panel and the drawing tools.
    seed_user(&t.app, "ada@mm.test", UserRole::Viewer);
    let ada = ApiClient::login(&t.app, "ada@mm.test").await;
    let r = ada
        .send(Method::GET, &format!("/assets/{asset_id}"), None)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-still src=\""), "{html}");
    assert!(html.contains("/poster.jpg"));
    assert!(html.contains("data-comments-panel") && html.contains("data-draw-toggle"));
    assert!(html.contains("data-review-panel"));
    assert!(!html.contains("<video"), "no player for an image");
    assert!(html.contains("<dt>Container</dt><dd>PNG</dd>"), "{html}");
    assert!(!html.contains("<dt>Frame rate</dt>") && !html.contains("<dt>Duration</dt>"));

    // A comment with a drawing, at no time.
    let path = format!("/api/assets/{asset_id}/comments");
    let rect = json!({"shapes": [{"tool": "rect", "color": "#ff3b30", "width": 0.004, "x": 0.2, "y": 0.3, "w": 0.4, "h": 0.4}]});
    let (s, c) = parts(
        ada.send(
            Method::POST,
            &path,
            Some(&json!({"body": "Logo too small", "drawing": rect})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(
        (c["frame"].clone(), c["timecode"].clone()),
        (json!(null), json!(null))
    );
    assert_eq!(
        (c["has_drawing"].as_bool(), c["drawing"].clone()),
        (Some(true), rect.clone())
    );
    // A time on an image is refused, and nothing is stored.
    for bad in [
        json!({"frame": 0, "body": "at a frame"}),
        json!({"seconds": 1.0, "body": "at a time"}),
    ] {
        let (s, e) = parts(ada.send(Method::POST, &path, Some(&bad)).await).await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
    }
    let n = count(
        &t.app,
        &format!("SELECT count(*) AS n FROM comments WHERE asset_id = '{asset_id}'"),
    );
    assert_eq!(n, 1);
    let (_, list) = parts(ada.send(Method::GET, &path, None).await).await;
    assert_eq!(list["frame_rate"], json!(null));
    assert_eq!(list["comments"][0]["has_drawing"], true);
    let (_, one) = parts(
        ada.send(
            Method::GET,
            &format!("/api/comments/{}", c["id"].as_str().unwrap()),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(one["drawing"], rect);

    // An image's poster is its picture: no time to take another from.
    let (s, e) = t
        .post(
            format!("/api/assets/{asset_id}/poster"),
            json!({"time": 0.0}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (409, Some("still-image")), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_still_format_is_probed_and_rendered_small_never_enlarged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, demuxer) in [
        ("a.jpg", "jpeg_pipe"),
        ("a.tiff", "tiff_pipe"),
        ("a.webp", "webp_pipe"),
        ("a.gif", "gif"),
        ("a.png", "png_pipe"),
    ] {
        let file = picture(dir.path(), name, 320, 240);
        let input = MediaInput::Path(file.clone());
        let head = input.local_head().unwrap();
        let meta = still::probe(&tools(), &input, &head)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(meta.container, demuxer);
        assert!(meta.still && meta.duration == 0.0 && meta.audio.is_empty());
        assert_eq!(meta.video.as_ref().unwrap().width, 320);
        let out = tempfile::tempdir().unwrap();
        let manifest = still::render(&tools(), &meta, &input, out.path())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(manifest.files.len(), 1, "{name}: {:?}", manifest.files);
        let poster = std::fs::read(out.path().join("poster.jpg")).unwrap();
        assert_eq!(
            size_of(&poster),
            (320, 240),
            "{name}: a small picture keeps its size"
        );
    }
    // A PNG whose left half is transparent: that half shows white, the rest the picture.
    let alpha = dir.path().join("alpha.png");
    let st = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("color=blue:size=200x100,format=rgba,geq=r=0:g=0:b=255:a='if(lt(X,100),0,255)'")
        .args(["-frames:v", "1", "-update", "1"])
        .arg(&alpha)
        .status()
        .unwrap();
    assert!(st.success());
    let input = MediaInput::Path(alpha);
    let meta = still::probe(&tools(), &input, &input.local_head().unwrap())
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    still::render(&tools(), &meta, &input, out.path())
        .await
        .unwrap();
    let rgb = |x: u32| -> Vec<u8> {
        let o = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(out.path().join("poster.jpg"))
            .args([
                "-vf",
                &format!("crop=4:4:{x}:48,scale=1:1,format=rgb24"),
                "-f",
                "rawvideo",
                "-",
            ])
            .output()
            .unwrap();
        o.stdout
    };
    assert!(
        rgb(20).iter().all(|c| *c > 235),
        "transparent is white: {:?}",
        rgb(20)
    );
    let blue = rgb(160);
    assert!(blue[2] > 200 && blue[0] < 60, "opaque stays blue: {blue:?}");

    // A text file named like a picture is no still, and says so.
    let fake = dir.path().join("fake.png");
    std::fs::write(&fake, "not a picture at all").unwrap();
    let input = MediaInput::Path(fake);
    let e = still::probe(&tools(), &input, &input.local_head().unwrap())
        .await
        .unwrap_err();
    assert!(e.is_client_error(), "{e}");
    assert!(e.to_string().contains("not a still picture"), "{e}");
}

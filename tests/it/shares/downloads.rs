//! Downloads by the link's permission: none refuses both, proxy gives the MP4 made from the
//! ladder's 720p rung (or the largest below; 409 while its job makes it, see `proxy.rs` for the
//! real one), original the master; each a 5-minute presigned URL, kept in the share's activity
//! and the audit log with the guest's identity.

use super::{Studio, gpath, gsend, guest, identify, share};
use crate::harness::count;
use mm::storage::{self, Bucket, PutOptions};
use reqwest::Method;
use serde_json::json;

fn rung(name: &str, height: u32) -> serde_json::Value {
    json!({"name": name, "playlist": format!("{name}/index.m3u8"), "mp4": format!("{name}/media.mp4"),
        "width": height * 16 / 9, "height": height, "bandwidth": 1000, "average_bandwidth": 900,
        "codecs": "avc1.64001f,mp4a.40.2"})
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_follow_the_links_permission_and_are_audited_with_the_guest() {
    let Studio {
        app,
        ed,
        asset,
        version,
    } = Studio::start().await;
    app.allow_unfinished_jobs("no worker here: the proxy job a link queues runs in proxy.rs");
    let st = storage::open(&app.config()).await.unwrap();
    let dir = format!("previews/{asset}/{version}");
    let manifest = json!({"duration": 100.0, "master": "index.m3u8", "poster": null, "sprite_vtt": null,
        "waveform": null, "renditions": [rung("r1080", 1080), rung("r540", 540), rung("r720", 720)], "files": []});
    let put = |bucket: Bucket, key: String, bytes: Vec<u8>| {
        let st = st.clone();
        async move {
            st.put(
                bucket,
                &key,
                storage::bytes_stream(bytes),
                PutOptions::default(),
            )
            .await
            .unwrap();
        }
    };
    put(
        Bucket::Previews,
        format!("{dir}/manifest.json"),
        manifest.to_string().into_bytes(),
    )
    .await;
    put(
        Bucket::Masters,
        format!("masters/{asset}/{version}/spot.mov"),
        b"THE MASTER".to_vec(),
    )
    .await;

    let dl = |token: &str, kind: &str| {
        gpath(
            &app,
            token,
            &format!("/assets/{asset}/download?kind={kind}"),
        )
    };
    let (_, none) = share(&ed, json!({"asset_ids": [asset]})).await;
    let (_, proxy) = share(
        &ed,
        json!({"asset_ids": [asset], "allow_download": "proxy"}),
    )
    .await;
    let (id, original) = share(
        &ed,
        json!({"asset_ids": [asset], "allow_download": "original"}),
    )
    .await;
    let g = guest();
    for t in [&none, &proxy, &original] {
        identify(&app, &g, t, "Ola").await;
    }
    for (token, kind, status) in [
        (&none, "proxy", 403),
        (&none, "original", 403),
        (&proxy, "original", 403),
        (&proxy, "big", 400),
    ] {
        let r = g.get(dl(token, kind)).send().await.unwrap();
        assert_eq!(r.status(), status, "{kind}");
    }
    // Without a name first, even an allowed download waits.
    let r = guest().get(dl(&original, "original")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM share_activity WHERE action = 'downloaded'"
        ),
        0
    );

    // The proxy is not made yet: its job is queued (once, by the link), the guest told so.
    for _ in 0..2 {
        let (s, b) = gsend(
            &app,
            &g,
            Method::GET,
            &proxy,
            &format!("/assets/{asset}/download?kind=proxy"),
            None,
        )
        .await;
        assert_eq!(
            (s, b["code"].as_str()),
            (409, Some("proxy-preparing")),
            "{b}"
        );
    }
    let jobs = format!(
        "SELECT count(*) AS n FROM jobs WHERE kind = 'proxy-mp4' AND version_id = '{version}' AND state = 'queued'"
    );
    assert_eq!(count(&app, &jobs), 1);
    // What that job leaves: proxy.mp4 beside the preview, recorded in the manifest.
    let mut made = manifest.clone();
    made["proxy"] = json!({"path": "proxy.mp4", "rung": "r720", "height": 720, "size": 12});
    made["files"] = json!([{"path": "proxy.mp4", "size": 12, "content_type": "video/mp4"}]);
    put(
        Bucket::Previews,
        format!("{dir}/proxy.mp4"),
        b"PROXY OF 720".to_vec(),
    )
    .await;
    put(
        Bucket::Previews,
        format!("{dir}/manifest.json"),
        made.to_string().into_bytes(),
    )
    .await;

    let fetch = |token: String, kind: &'static str| {
        let g = g.clone();
        let app = &app;
        async move {
            let r = g.get(dl(&token, kind)).send().await.unwrap();
            assert_eq!(r.status(), 303, "{kind}");
            let to = r.headers()["location"].to_str().unwrap().to_string();
            let to = if to.starts_with("http") {
                to
            } else {
                app.url(&to)
            };
            let body = g.get(&to).send().await.unwrap();
            assert_eq!(body.status(), 200, "{to}");
            let cd = body
                .headers()
                .get("content-disposition")
                .map(|v| v.to_str().unwrap().to_string());
            (body.bytes().await.unwrap().to_vec(), cd.unwrap_or_default())
        }
    };
    let (bytes, cd) = fetch(proxy.clone(), "proxy").await;
    assert_eq!(bytes, b"PROXY OF 720");
    assert!(cd.contains("Spot_30s-v1-720p.mp4"), "{cd}");
    let (bytes, _) = fetch(original.clone(), "proxy").await;
    assert_eq!(bytes, b"PROXY OF 720");
    let (bytes, cd) = fetch(original.clone(), "original").await;
    assert_eq!(bytes, b"THE MASTER");
    assert!(cd.contains("spot.mov"), "{cd}");
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM share_activity WHERE share_id = '{id}' AND action = 'downloaded' AND guest_email = 'ola@client.test'"
            )
        ),
        2
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM audit_log WHERE action = 'share.downloaded' AND target_id = '{id}' AND details->>'kind' = 'original' AND details->>'guest_email' = 'ola@client.test'"
            )
        ),
        1
    );
    let (s, _) = gsend(
        &app,
        &g,
        Method::GET,
        &original,
        &format!("/assets/{asset}/download"),
        None,
    )
    .await;
    assert_eq!(s, 400, "kind is required");
}

#[test]
fn the_proxy_is_720p_or_the_largest_rung_below() {
    use mm::media::pipeline::Manifest;
    use mm::media::proxy::proxy_rung;
    let m = |heights: &[u32]| -> Manifest {
        serde_json::from_value(
            json!({"duration": 1.0, "master": "index.m3u8", "poster": null, "sprite_vtt": null,
            "waveform": null, "files": [],
            "renditions": heights.iter().map(|h| rung(&format!("r{h}"), *h)).collect::<Vec<_>>()}),
        )
        .unwrap()
    };
    assert_eq!(
        proxy_rung(&m(&[360, 540, 720, 1080])).unwrap().height,
        Some(720)
    );
    assert_eq!(proxy_rung(&m(&[360, 540, 1080])).unwrap().height, Some(540));
    assert_eq!(proxy_rung(&m(&[1080, 2160])).unwrap().height, Some(1080));
    assert!(proxy_rung(&m(&[])).is_none());
}

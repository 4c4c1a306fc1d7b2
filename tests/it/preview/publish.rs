//! Publishing a rendered set to the previews bucket: content types, the master playlist only
//! when everything else is there, and a rerun that replaces the set cleanly.

use super::clips::{Audio, Clip};
use super::{settings, tools};
use mm::config::{Config, Env};
use mm::media::{MediaInput, pipeline, probe};
use mm::previews::{self, publish};
use mm::storage::{self, Bucket, DynStorage};
use std::path::Path;

async fn local_storage(dir: &Path) -> DynStorage {
    let config = Config::from_env(&Env::from_pairs([
        ("MM_DATA_DIR", dir.display().to_string()),
        ("MM_SECRET_KEY", crate::harness::new_key()),
    ]));
    storage::init(&config).await.unwrap();
    storage::open(&config).await.unwrap()
}

/// Renders `master` with `ladder` into a fresh temp dir.
async fn rendered(master: &Path, ladder: Vec<u32>) -> (pipeline::Manifest, tempfile::TempDir) {
    let input = MediaInput::Path(master.to_path_buf());
    let meta = probe::probe(&tools(), &input).await.unwrap();
    let mut s = settings();
    s.ladder = ladder;
    let out = tempfile::tempdir().unwrap();
    let m = pipeline::render(&tools(), &s, &meta, &input, out.path(), |_, _| {})
        .await
        .unwrap();
    (m, out)
}

async fn keys(storage: &DynStorage, prefix: &str) -> Vec<String> {
    storage
        .list(Bucket::Previews, &format!("{prefix}/"))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_set_is_published_with_types_and_a_rerun_replaces_it() {
    let data = tempfile::tempdir().unwrap();
    let storage = local_storage(data.path()).await;
    let clips = tempfile::tempdir().unwrap();
    let master = Clip::video("pub", 320, 240, Audio::Stereo).make(clips.path());
    let prefix = previews::prefix(uuid::Uuid::new_v4(), uuid::Uuid::new_v4());

    let (two, dir) = rendered(&master, vec![120, 240]).await;
    let done = publish::publish(&storage, &prefix, dir.path(), &two)
        .await
        .unwrap();
    assert_eq!(done.uploaded, two.files.len() + 1);
    assert!(done.removed.is_empty());
    let mut want: Vec<String> = two
        .files
        .iter()
        .map(|f| format!("{prefix}/{}", f.path))
        .chain([format!("{prefix}/manifest.json")])
        .collect();
    want.sort();
    assert_eq!(keys(&storage, &prefix).await, want);
    for (path, ty) in [
        ("index.m3u8", "application/vnd.apple.mpegurl"),
        ("240p/media.mp4", "video/mp4"),
        ("poster.jpg", "image/jpeg"),
        ("sprite.vtt", "text/vtt; charset=utf-8"),
        ("waveform.json", "application/json"),
        ("manifest.json", "application/json"),
    ] {
        let meta = storage
            .head(Bucket::Previews, &format!("{prefix}/{path}"))
            .await
            .unwrap();
        assert_eq!(meta.content_type.as_deref(), Some(ty), "{path}");
    }
    // The stored manifest lists every object with its real size.
    let stored = storage
        .get(Bucket::Previews, &format!("{prefix}/manifest.json"), None)
        .await
        .unwrap();
    let stored: pipeline::Manifest =
        serde_json::from_slice(&storage::collect(stored.body, 1 << 20).await.unwrap()).unwrap();
    for f in &stored.files {
        let m = storage
            .head(Bucket::Previews, &format!("{prefix}/{}", f.path))
            .await
            .unwrap();
        assert_eq!(m.size, f.size, "{}", f.path);
    }

    // A rerun with one rung: the 120p rendition of the first run is gone afterwards.
    let (one, dir) = rendered(&master, vec![240]).await;
    let done = publish::publish(&storage, &prefix, dir.path(), &one)
        .await
        .unwrap();
    assert_eq!(
        done.removed,
        [
            format!("{prefix}/120p/index.m3u8"),
            format!("{prefix}/120p/media.mp4")
        ]
    );
    assert!(
        !keys(&storage, &prefix)
            .await
            .iter()
            .any(|k| k.contains("120p"))
    );

    assert_eq!(
        publish::remove(&storage, &prefix).await.unwrap(),
        one.files.len()
    );
    assert!(keys(&storage, &prefix).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publish_that_fails_midway_leaves_no_master_playlist() {
    let data = tempfile::tempdir().unwrap();
    let storage = local_storage(data.path()).await;
    let clips = tempfile::tempdir().unwrap();
    let master = Clip::video("half", 320, 240, Audio::None).make(clips.path());
    let prefix = previews::prefix(uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let (m, dir) = rendered(&master, vec![240]).await;
    // The last file before the manifest disappears (a worker losing its disk mid-publish).
    std::fs::remove_file(dir.path().join("sprite.vtt")).unwrap();
    publish::publish(&storage, &prefix, dir.path(), &m)
        .await
        .unwrap_err();
    let stored = keys(&storage, &prefix).await;
    assert!(
        stored.iter().any(|k| k.ends_with("240p/media.mp4")),
        "{stored:?}"
    );
    assert!(
        !stored.contains(&previews::master_key(&prefix)),
        "{stored:?}"
    );
}

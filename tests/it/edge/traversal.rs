//! The traversal corpus: every trick to escape the granted prefix answers 400 or 403 with a
//! JSON body, never 500, and never the bytes of the secret object stored outside the prefix.

use super::{SECRET_BYTES, SECRET_KEY, put, raw_get, signer_of, storage_of};
use crate::harness::TestApp;
use mm::config::Role;

const PREFIX: &str = "previews/a/v1/";

#[tokio::test(flavor = "multi_thread")]
async fn the_traversal_corpus_never_escapes_the_prefix() {
    let app = TestApp::spawn(Role::Edge).await;
    let storage = storage_of(&app).await;
    put(&storage, SECRET_KEY, SECRET_BYTES).await;
    put(&storage, "previews/a/v1/index.m3u8", "#EXTM3U\n").await;
    put(&storage, "previews/a/b/x", SECRET_BYTES).await;
    let s = signer_of(&app);
    let token = s.sign(PREFIX, mm::signing::now() + 3600).unwrap();
    // Control: the prefix itself is served.
    let ok = raw_get(&app, "GET", &format!("/s/{token}/{PREFIX}index.m3u8")).await;
    assert_eq!(ok.status, 200);

    let corpus = [
        "previews/a/v1/../../secret/v1/master.m4s",
        "previews/a/v1/%2e%2e/%2e%2e/secret/v1/master.m4s",
        "previews/a/v1/%2E%2E%2F%2E%2E%2Fsecret/v1/master.m4s",
        "previews/a/v1/..%2f..%2fsecret/v1/master.m4s",
        "previews/a/v1/..%5c..%5csecret/v1/master.m4s",
        "previews/a/v1/..\\..\\secret/v1/master.m4s",
        "previews/a/v1/%5c..%5c..%5csecret%5cv1%5cmaster.m4s",
        "previews/a/v1/index.m3u8%00.m4s",
        "previews/a/v1/%00/../../secret/v1/master.m4s",
        "previews/a/v1/%252e%252e/%252e%252e/secret/v1/master.m4s",
        "previews/a/v1/%25252e%25252e/secret",
        "previews/a/v1/%c0%ae%c0%ae/%c0%ae%c0%ae/secret/v1/master.m4s",
        "previews/a/v1/%c0%af..%c0%afsecret",
        "previews/a/v1/%e0%80%ae%e0%80%ae/secret",
        "previews/a/v1/./index.m3u8",
        "previews/a/v1//index.m3u8",
        "previews/a/v1/%2findex.m3u8",
        "previews/a/../b/x",
        "previews/a/v1/..",
        "previews/secret/v1/master.m4s",
        "previews/a/v10/index.m3u8",
        "previews/a/v1",
        "previews/a/b/x",
        "/previews/a/v1/index.m3u8",
        "previews/a/v1/%0d%0aSet-Cookie:x=1",
        "previews/a/v1/%",
        "previews/a/v1/%zz",
    ];
    for object in corpus {
        let path = format!("/s/{token}/{object}");
        let r = raw_get(&app, "GET", &path).await;
        assert!(
            r.status == 400 || r.status == 403,
            "{object}: {} {:?}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        assert!(r.json()["code"].is_string(), "{object}: not JSON");
        assert!(r.json()["message"].is_string(), "{object}: not JSON");
        assert!(
            !r.body
                .windows(SECRET_BYTES.len())
                .any(|w| w == SECRET_BYTES),
            "{object} leaked the secret"
        );
    }

    // The original form signs one path: traversal through it is refused the same way.
    let legacy = s
        .sign_legacy("previews/a/v1/index.m3u8", mm::signing::now() + 60)
        .unwrap();
    for object in [
        "previews/a/v1/../../secret/v1/master.m4s",
        "previews/a/v1/%2e%2e/%2e%2e/secret/v1/master.m4s",
        "previews/secret/v1/master.m4s",
    ] {
        let r = raw_get(&app, "GET", &format!("/s/{object}?{legacy}")).await;
        assert!(r.status == 400 || r.status == 403, "{object}: {}", r.status);
        assert!(r.json()["code"].is_string());
    }
}

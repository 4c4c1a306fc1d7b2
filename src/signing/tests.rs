//! Unit tests of signing: tokens, rotation, scope, the original form and playback URLs.

use super::*;
use crate::config::{Config, Env};

fn signer(spec: &str) -> Signer {
    let cfg = Config::from_env(&Env::from_pairs([("MM_EDGE_KEYS", spec)]));
    Signer::new(&cfg.edge_keys)
}

const K1: &str = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const K2: &str = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8";

#[test]
fn a_signed_prefix_verifies_until_expiry_plus_skew() {
    let s = signer(K1);
    let t = s.sign("previews/a/b/", 1_000).unwrap();
    let g = s.verify(&t, 900).unwrap();
    assert_eq!(g.prefix, "previews/a/b/");
    assert_eq!((g.kid.as_str(), g.exp), ("k1", 1_000));
    assert!(s.verify(&t, 1_000 + CLOCK_SKEW_SECS).is_ok());
    assert_eq!(
        s.verify(&t, 1_001 + CLOCK_SKEW_SECS),
        Err(VerifyError::Expired)
    );
}

#[test]
fn rotation_old_keys_verify_and_the_first_signs() {
    let old = signer(K1);
    let rotated = signer(&format!("{K2},{K1}"));
    let t_old = old.sign("previews/a/", 10_000).unwrap();
    assert_eq!(rotated.verify(&t_old, 0).unwrap().kid, "k1");
    let t_new = rotated.sign("previews/a/", 10_000).unwrap();
    assert_eq!(rotated.verify(&t_new, 0).unwrap().kid, "k2");
    assert_eq!(old.verify(&t_new, 0), Err(VerifyError::UnknownKey));
}

#[test]
fn a_token_under_a_foreign_key_with_a_known_id_fails() {
    // Same key id, different secret: the MAC decides.
    let ours = signer(K1);
    let theirs = signer("k1:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8");
    let t = theirs.sign("previews/a/", 10_000).unwrap();
    assert_eq!(ours.verify(&t, 0), Err(VerifyError::BadSignature));
}

#[test]
fn garbage_is_malformed_never_a_panic() {
    let s = signer(K1);
    for t in ["", "a", "!!!!", "AAAA", &"A".repeat(5000), "AQ=="] {
        assert_eq!(s.verify(t, 0), Err(VerifyError::Malformed), "{t:?}");
    }
}

#[test]
fn grants_cover_their_prefix_only() {
    let g = |p: &str| Grant {
        kid: "k".into(),
        exp: 0,
        prefix: p.into(),
    };
    assert!(g("previews/a/").allows("previews/a/x.m4s"));
    assert!(g("previews/a/").allows("previews/a/720p/x.m4s"));
    assert!(!g("previews/a/").allows("previews/a/"));
    assert!(!g("previews/a/").allows("previews/ab/x"));
    assert!(!g("previews/a").allows("previews/ab"));
    assert!(!g("previews/a").allows("previews/a/x"));
    assert!(g("previews/a/x.m3u8").allows("previews/a/x.m3u8"));
}

#[test]
fn only_normal_prefixes_under_previews_are_signed() {
    let s = signer(K1);
    for bad in [
        "masters/a/",
        "previews/",
        "previews",
        "/previews/a/",
        "previews/../masters/",
        "previews/a//b/",
        "previews/./a/",
        "previews/a\\b/",
        "previews/%2e%2e/",
        "previews/a\0/",
    ] {
        assert!(s.sign(bad, 1).is_err(), "{bad:?}");
    }
    assert_eq!(signer("").sign("previews/a/", 1), Err(SignError::NoKey));
}

#[test]
fn the_original_scheme_matches_a_known_vector() {
    // HMAC-SHA256(key "0123...cdef", "/s/previews/abc/index.m3u8?exp=1712345678") computed
    // independently (Python's hmac module), as the old backend's sign.ts produced it.
    let cfg = Config::from_env(&Env::from_pairs([(
        "EDGE_SIGNING_KEY",
        "0123456789abcdef0123456789abcdef",
    )]));
    let s = Signer::new(&cfg.edge_keys);
    let sig = "be87e026d9b85244954b7bea7aa83d7150b7e01002f4b7e1cf39dfa2ba1cfba7";
    let path = "previews/abc/index.m3u8";
    let g = s
        .verify_legacy(path, "1712345678", sig, 1712345000)
        .unwrap();
    assert_eq!((g.kid.as_str(), g.prefix.as_str()), ("legacy", path));
    assert_eq!(
        s.sign_legacy(path, 1712345678).unwrap(),
        format!("exp=1712345678&sig={sig}")
    );
    let late = 1712345678 + CLOCK_SKEW_SECS + 1;
    assert_eq!(
        s.verify_legacy(path, "1712345678", sig, late),
        Err(VerifyError::Expired)
    );
    assert_eq!(
        s.verify_legacy("previews/admin/secret.m3u8", "1712345678", sig, 0),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        s.verify_legacy(path, "1712345679", sig, 0),
        Err(VerifyError::BadSignature)
    );
    for (exp, sig) in [
        ("", sig),
        ("12a", sig),
        ("1712345678", "zz"),
        ("1", &sig[..62]),
    ] {
        assert_eq!(
            s.verify_legacy(path, exp, sig, 0),
            Err(VerifyError::Malformed)
        );
    }
}

#[test]
fn playback_urls_grant_the_playlist_directory() {
    let s = signer(K1);
    let u = s
        .playback_url("https://edge.example.com/", "previews/a/v1", None, 5_000)
        .unwrap();
    assert_eq!(u.prefix, "previews/a/v1/");
    let token = s.sign("previews/a/v1/", 5_000).unwrap();
    assert_eq!(
        u.url,
        format!("https://edge.example.com/s/{token}/previews/a/v1/index.m3u8")
    );
    let u = s
        .playback_url(
            "http://h:1/edge",
            "previews/a/v1/720p/index.m3u8",
            None,
            5_000,
        )
        .unwrap();
    assert_eq!(u.prefix, "previews/a/v1/720p/");
    assert!(u.url.starts_with("http://h:1/edge/s/"), "{}", u.url);
    assert!(
        u.url.ends_with("/previews/a/v1/720p/index.m3u8"),
        "{}",
        u.url
    );
    let spaced = s
        .playback_url(
            "http://h",
            "previews/a/my clip.mov/",
            Some("master.m3u8"),
            1,
        )
        .unwrap();
    assert!(
        spaced
            .url
            .ends_with("/previews/a/my%20clip.mov/master.m3u8"),
        "{}",
        spaced.url
    );
    for (target, playlist) in [
        ("masters/a/", None),
        ("previews/../masters/a/", None),
        ("previews/a/", Some("../x.m3u8")),
        ("previews/a/", Some("x.mp4")),
    ] {
        assert!(
            s.playback_url("http://h", target, playlist, 1).is_err(),
            "{target}"
        );
    }
}

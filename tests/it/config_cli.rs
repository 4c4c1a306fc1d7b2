//! The `mm` binary's command line: check, keygen, version, and refusing to start on bad input.

use crate::harness::{free_port, mm_bin};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_edge_with_nothing_set_lists_exactly_the_missing_variables() {
    let out = mm_bin().args(["check", "--role=edge"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let named: Vec<&str> = err
        .lines()
        .skip(1)
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    assert_eq!(named, ["MM_EDGE_KEYS"], "{err}");
}

#[test]
fn check_api_names_every_missing_and_invalid_variable() {
    let out = mm_bin()
        .args(["check", "--role=api"])
        .env("DATABASE_URL", "mysql://x")
        .env("MM_STORAGE", "s3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for key in [
        "DATABASE_URL: scheme",
        "REDIS_URL: is not set",
        "MM_EDGE_KEYS: is not set",
        "MM_S3_STAGING_ACCESS_KEY",
        "MM_S3_PREVIEWS_SECRET_KEY",
    ] {
        assert!(err.contains(key), "missing {key:?} in:\n{err}");
    }
    assert!(
        !err.contains("MM_SECRET_KEY"),
        "s3 storage needs no local signing key:\n{err}"
    );
}

#[test]
fn check_passes_with_a_complete_configuration() {
    let key = crate::harness::new_key();
    let out = mm_bin()
        .args(["check", "--role=edge"])
        .env("MM_EDGE_KEYS", format!("k1:{key}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn version_and_keygen() {
    let out = mm_bin().arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("mm {}", env!("CARGO_PKG_VERSION"))
    );
    let out = mm_bin().args(["keygen", "--kid", "k7"]).output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (kid, key) = line.split_once(':').unwrap();
    assert_eq!(kid, "k7");
    assert_eq!(mm::config::decode_key(key).unwrap().len(), 32);
    let again = mm_bin().args(["keygen", "--kid", "k7"]).output().unwrap();
    assert_ne!(out.stdout, again.stdout, "keys are random");
}

#[test]
fn unknown_role_is_refused() {
    let out = mm_bin().args(["serve", "--role=nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'nope'"),
        "{}",
        stderr(&out)
    );
    let out = mm_bin()
        .args(["serve"])
        .env("MM_ROLE", "nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_configuration_stops_serve_with_one_line() {
    let out = mm_bin().args(["serve", "--role=worker"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("DATABASE_URL") && err.contains("REDIS_URL"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unreachable_database_stops_serve_naming_the_variable() {
    let port = free_port();
    let out = mm_bin()
        .args(["serve", "--role=worker"])
        .env(
            "DATABASE_URL",
            format!("postgres://postgres@127.0.0.1:{port}/mm"),
        )
        .env("REDIS_URL", crate::harness::redis_url())
        .env("MM_DB_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("DATABASE_URL: cannot reach PostgreSQL"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.lines().filter(|l| !l.starts_with('{')).count(),
        1,
        "{err}"
    );
}

#[test]
fn unreachable_redis_stops_serve_naming_the_variable() {
    let port = free_port();
    let out = mm_bin()
        .args(["serve", "--role=worker"])
        .env("DATABASE_URL", crate::harness::TestDb::admin_url())
        .env("REDIS_URL", format!("redis://127.0.0.1:{port}"))
        .env("MM_DB_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("REDIS_URL: cannot reach Redis"), "{err}");
}

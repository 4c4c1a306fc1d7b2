//! Marker exports judged by OpenTimelineIO (its CMX 3600 and FCPXML readers, in the venv
//! scripts/deps.sh makes): every marker at its frame from the master's start timecode, text
//! that cannot break a line, CSV cells that cannot run as formulas.

use super::{DF_2997, NDF_25, seed_video};
use crate::harness::{ApiClient, TestApp, exec, parts, seed_user};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::{Value, json};

const OTIO_PYTHON: &str = "/opt/mm-tools/otio/bin/python";

async fn export(who: &ApiClient, asset: uuid::Uuid, format: &str) -> String {
    let r = who
        .send(
            Method::GET,
            &format!("/api/assets/{asset}/comments/export?format={format}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment; filename=\"Spot_30s-v1-comments."),
        "{cd}"
    );
    r.text().await.unwrap()
}

fn otio(kind: &str, text: &str, num: u32, den: u32) -> Vec<Value> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/review/otio_read.py");
    let out = std::process::Command::new(OTIO_PYTHON)
        .args([
            script,
            kind,
            &file.path().display().to_string(),
            &num.to_string(),
            &den.to_string(),
        ])
        .output()
        .expect("the OTIO venv (scripts/deps.sh) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (frame, text) of the comments posted, in frame order.
const NOTES: &[(i64, &str)] = &[
    (0, "first frame"),
    (1800, "3 frames late\nsecond line |M:injected"),
    (2997, "=HYPERLINK(\"http://x\")"),
];

async fn seeded(app: &TestApp, technical: &str) -> (ApiClient, uuid::Uuid) {
    seed_user(app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(app, "ada@mm.test").await;
    let (asset, _) = seed_video(app, technical);
    for (frame, body) in NOTES {
        let (s, c) = parts(
            ada.send(
                Method::POST,
                &format!("/api/assets/{asset}/comments"),
                Some(&json!({"frame": frame, "body": body})),
            )
            .await,
        )
        .await;
        assert_eq!(s, 201, "{c}");
    }
    (ada, asset)
}

#[tokio::test(flavor = "multi_thread")]
async fn edl_markers_are_found_by_otio_at_their_drop_frame_timecodes() {
    let app = TestApp::spawn(Role::Api).await;
    let (ada, asset) = seeded(&app, DF_2997).await;
    let edl = export(&ada, asset, "edl").await;
    assert!(edl.contains("FCM: DROP FRAME"), "{edl}");
    assert!(edl.contains("01:01:00;02 01:01:00;03"), "{edl}");
    assert!(
        edl.contains(" |C:ResolveColorBlue |M:Note 3 frames late second line /M:injected |D:1"),
        "{edl}"
    );
    // Every line is an event, a marker line, a header or empty: no comment broke a line.
    for line in edl.lines() {
        assert!(
            line.is_empty()
                || line.starts_with("TITLE:")
                || line.starts_with("FCM:")
                || line.starts_with(" |C:")
                || line.as_bytes()[0].is_ascii_digit(),
            "stray line {line:?}"
        );
    }
    let found = otio("edl", &edl, 30000, 1001);
    assert_eq!(found.len(), NOTES.len(), "{found:?}");
    // 01:00:00;00 at 29.97 drop-frame is frame 107892.
    for ((frame, _), f) in NOTES.iter().zip(&found) {
        assert_eq!(f["frame"], 107_892 + frame, "{found:?}");
        assert!(f["comments"].to_string().contains("|M:"), "{f}");
    }
}

/// Inserts `n` top-level comments on the current version of `asset`, comment `i` (from 0) at
/// frame `3 * i` saying `marker {i}`, one microsecond apart so their order is known.
pub fn bulk_comments(app: &TestApp, asset: uuid::Uuid, n: i64) {
    exec(
        app,
        &format!(
            "INSERT INTO comments (id, asset_id, version_id, frame, body, author_name, created_at) \
             SELECT gen_random_uuid(), a.id, a.current_version_id, 3 * i, 'marker ' || i, 'bulk', \
             now() + i * interval '1 microsecond' FROM assets a, generate_series(0, {n} - 1) i \
             WHERE a.id = '{asset}'"
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edl_of_more_than_999_markers_numbers_every_event_and_otio_finds_each() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Editor);
    let ada = ApiClient::login(&app, "ada@mm.test").await;
    let (asset, _) = seed_video(&app, NDF_25);
    const N: i64 = 1203;
    bulk_comments(&app, asset, N);
    let edl = export(&ada, asset, "edl").await;
    let numbers: Vec<&str> = edl
        .lines()
        .filter(|l| l.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let want: Vec<String> = (1..=N).map(|i| format!("{i:03}")).collect();
    assert_eq!(
        numbers, want,
        "event numbers 001..999 then 1000.. (never wrapped)"
    );
    assert!(edl.contains("\n1000  001      V     C        "), "{edl}");
    let found = otio("edl", &edl, 25, 1);
    assert_eq!(found.len(), N as usize);
    // 01:00:00:00 at 25 fps is frame 90000; comment i sits at frame 3i.
    for (i, f) in found.iter().enumerate() {
        assert_eq!(f["frame"], 90_000 + 3 * i as i64, "marker {i}: {f}");
        assert!(
            f["comments"]
                .to_string()
                .contains(&format!("|M:marker {i} |")),
            "marker {i}: {f}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fcpxml_markers_are_found_by_otio_and_written_as_rational_times() {
    let app = TestApp::spawn(Role::Api).await;
    let (ada, asset) = seeded(&app, NDF_25).await;
    let xml = export(&ada, asset, "fcpxml").await;
    let found = otio("fcpxml", &xml, 25, 1);
    let posted: Vec<_> = NOTES.iter().collect();
    assert_eq!(found.len(), posted.len(), "{found:?}\n{xml}");
    for ((frame, text), f) in posted.iter().zip(&found) {
        assert_eq!(f["frame"], 90_000 + frame, "{found:?}");
        assert_eq!(f["name"].as_str().unwrap(), text.replace('\n', " "));
        // The file's own time is exact: (start + frame) / 25 s, reduced.
        let want = mm::review::export::fcpxml::time((90_000 + frame) as u64, 25, 1);
        assert!(
            xml.contains(&format!("<marker start=\"{want}\"")),
            "{want} in {xml}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_has_every_column_and_no_formulas() {
    let app = TestApp::spawn(Role::Api).await;
    let (ada, asset) = seeded(&app, DF_2997).await;
    let csv = export(&ada, asset, "csv").await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("timecode,frame,seconds,author,text,status")
    );
    assert!(csv.contains("01:01:00;02,1800,60.060,ada,"), "{csv}");
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        !csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"),
        "{csv}"
    );
    let (s, e) = parts(
        ada.send(
            Method::GET,
            &format!("/api/assets/{asset}/comments/export?format=aaf"),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid-format")));
}

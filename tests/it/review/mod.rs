//! Review (#16): comments at frames, replies, resolve, edits and deletes per role, every bad
//! input refused with nothing stored, decisions and the status they give, live events, and
//! the marker exports read back by OpenTimelineIO.

mod api;
mod decisions;
mod export;
mod pages;
pub mod still;

use crate::harness::{TestApp, exec};
use uuid::Uuid;

/// A 29.97 fps video master of 100 s starting at 01:00:00;00 (drop-frame): its asset and
/// version ids.
pub fn seed_video(app: &TestApp, technical: &str) -> (Uuid, Uuid) {
    let (a, v) = (Uuid::new_v4(), Uuid::new_v4());
    exec(
        app,
        &format!(
            "INSERT INTO assets (id, title, media_type, filename, size_bytes, status, version_count) \
             VALUES ('{a}', 'Spot 30s', 'video', 'spot.mov', 10, 'ready', 1)"
        ),
    );
    add_version(app, a, v, 1, technical);
    (a, v)
}

/// Adds version `number` to asset `a` and makes it current, as ingest does.
pub fn add_version(app: &TestApp, a: Uuid, v: Uuid, number: i32, technical: &str) {
    exec(
        app,
        &format!(
            "INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type, size_bytes, \
             staging_key, master_key, status, stored_at, technical) VALUES ('{v}', '{a}', {number}, 'spot.mov', \
             'video/quicktime', 'video', 10, 'staging/{v}/spot.mov', 'masters/{a}/{v}/spot.mov', 'ready', now(), \
             '{technical}')"
        ),
    );
    mm::db::models::asset::set_current(
        &mut app.db.conn(),
        a,
        v,
        number,
        ("spot.mov", 10, "video", "ready"),
    )
    .unwrap();
}

pub const DF_2997: &str = r#"{"duration": 100.0, "timecode": "01:00:00;00", "video": {"r_frame_rate": "30000/1001", "avg_frame_rate": "30000/1001"}}"#;
pub const NDF_25: &str = r#"{"duration": 200.0, "timecode": "01:00:00:00", "video": {"r_frame_rate": "25/1", "avg_frame_rate": "25/1"}}"#;

//! What a library card needs beyond its asset row, for one page of assets at once: the current
//! version's probe summary and the latest preview job's state and progress. Two queries, each on
//! an index (the versions' primary key, the jobs' `(asset_id, created_at)`), whatever the size
//! of the library.

use crate::db::schema::{asset_versions, jobs};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use std::collections::HashMap;
use uuid::Uuid;

/// The few probe fields a card shows; pulled out of the JSON in SQL so the rest never travels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CardExtra {
    pub duration: Option<f64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The latest preview job of the current version: its state and progress (0-100).
    pub job_state: Option<crate::status::JobState>,
    pub progress: Option<f32>,
    /// The latest finished poster re-render, so the poster's URL changes when its image does.
    pub poster_job: Option<Uuid>,
    /// The preview plays while still being made (`asset_versions.playable_at` is set).
    pub early_playable: bool,
}

fn number(raw: Option<String>) -> Option<f64> {
    raw.and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Extras keyed by version id, for the given current versions (and their assets' jobs).
pub fn for_page(
    conn: &mut PgConnection,
    asset_ids: &[Uuid],
    version_ids: &[Uuid],
    (preview_kind, poster_kind): (&str, &str),
) -> QueryResult<HashMap<Uuid, CardExtra>> {
    let mut out: HashMap<Uuid, CardExtra> = HashMap::new();
    if version_ids.is_empty() {
        return Ok(out);
    }
    type Probe = (Uuid, Option<String>, Option<String>, Option<String>, bool);
    let probes: Vec<Probe> = asset_versions::table
        .filter(asset_versions::id.eq_any(version_ids))
        .select((
            asset_versions::id,
            sql::<Nullable<Text>>("technical->>'duration'"),
            sql::<Nullable<Text>>(
                "coalesce(technical->'video'->>'display_width', technical->'video'->>'width')",
            ),
            sql::<Nullable<Text>>(
                "coalesce(technical->'video'->>'display_height', technical->'video'->>'height')",
            ),
            asset_versions::playable_at.is_not_null(),
        ))
        .load(conn)?;
    for (id, duration, width, height, early_playable) in probes {
        out.insert(
            id,
            CardExtra {
                duration: number(duration),
                width: number(width).map(|w| w as i64),
                height: number(height).map(|h| h as i64),
                early_playable,
                ..Default::default()
            },
        );
    }
    // Newest first, so the first job seen for a version is its latest.
    let runs: Vec<(Uuid, String, Option<Uuid>, crate::status::JobState, f32)> = jobs::table
        .filter(jobs::asset_id.eq_any(asset_ids))
        .filter(jobs::kind.eq_any([preview_kind, poster_kind]))
        .filter(jobs::version_id.eq_any(version_ids))
        .order(jobs::created_at.desc())
        .select((
            jobs::id,
            jobs::kind,
            jobs::version_id,
            jobs::state,
            jobs::progress,
        ))
        .load(conn)?;
    for (id, kind, version, state, progress) in runs {
        let Some(extra) = version.and_then(|v| out.get_mut(&v)) else {
            continue;
        };
        if kind == preview_kind && extra.job_state.is_none() {
            extra.job_state = Some(state);
            extra.progress = Some(progress);
        } else if kind == poster_kind && state == "succeeded" && extra.poster_job.is_none() {
            extra.poster_job = Some(id);
        }
    }
    Ok(out)
}

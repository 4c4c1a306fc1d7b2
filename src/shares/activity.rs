//! What guests did through a link (opened, played, commented, decided, downloaded), with who
//! they said they were and when: kept per share for the asset page and written to the audit log.

use super::access::Access;
use crate::audit::{self, Entry};
use crate::db::models::share::{self as rows, ActivityRow, NewActivity};
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

pub const ACTIONS: &[&str] = &["opened", "played", "commented", "decided", "downloaded"];
/// Entries a list answers at most.
pub const MAX_LIST: i64 = 500;
/// `opened` and `played` are kept once per guest (or address), version and this window, so a
/// page left open or reloaded does not fill the log.
const REPEAT_WINDOW_SECS: u64 = 30 * 60;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub action: String,
    pub guest_name: Option<String>,
    pub guest_email: Option<String>,
    pub asset_id: Option<Uuid>,
    pub version_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl From<ActivityRow> for ActivityView {
    fn from(r: ActivityRow) -> Self {
        ActivityView {
            action: r.action,
            guest_name: r.guest_name,
            guest_email: r.guest_email,
            asset_id: r.asset_id,
            version_id: r.version_id,
            details: r.details,
            at: r.at,
        }
    }
}

/// Whether a repeatable action was already kept in this window (best effort: when Redis is
/// down the action is kept again).
async fn seen_recently(state: &AppState, a: &Access, action: &str, version: Option<Uuid>) -> bool {
    let who = a
        .guest
        .as_ref()
        .map(|g| g.id.to_string())
        .or_else(|| a.ip.clone())
        .unwrap_or_default();
    let key = state.redis.key(&format!(
        "share-activity:{}:{action}:{}:{}",
        a.share.id,
        hex::encode(&crate::auth::sha256(who.as_bytes())[..8]),
        version.map(|v| v.to_string()).unwrap_or_default()
    ));
    let r: Result<Option<String>, _> = state
        .redis
        .query(
            redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(REPEAT_WINDOW_SECS),
        )
        .await;
    matches!(r, Ok(None))
}

/// Keeps one action in the share's activity and in the audit log, together.
pub async fn record(
    state: &AppState,
    a: &Access,
    action: &'static str,
    asset_id: Option<Uuid>,
    version_id: Option<Uuid>,
    details: serde_json::Value,
) -> Result<(), AppError> {
    if matches!(action, "opened" | "played") && seen_recently(state, a, action, version_id).await {
        return Ok(());
    }
    let guest = a.guest.as_ref();
    let new = NewActivity {
        share_id: a.share.id,
        guest_id: guest.map(|g| g.id),
        guest_name: guest.and_then(|g| g.name.clone()),
        guest_email: guest.and_then(|g| g.email.clone()),
        asset_id,
        version_id,
        action: action.to_string(),
        ip: a.ip.clone(),
        details: details.clone(),
    };
    let mut audit_details = serde_json::json!({
        "share_id": a.share.id, "asset_id": asset_id, "version_id": version_id,
        "guest_name": new.guest_name, "guest_email": new.guest_email,
    });
    if let (Some(m), Some(extra)) = (audit_details.as_object_mut(), details.as_object()) {
        m.extend(extra.clone());
    }
    let entry = Entry::system(&a.actor_label(), &format!("share.{action}"))
        .target("share", a.share.id)
        .ip(a.ip.clone())
        .details(audit_details);
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                rows::record(c, &new)?;
                audit::record_in(c, &entry)
            })
        })
        .await?;
    Ok(())
}

/// `GET /api/shares/{id}/activity`.
pub async fn list(state: &AppState, share_id: Uuid) -> Result<Vec<ActivityView>, AppError> {
    super::find(state, share_id).await?;
    let rows = state
        .db
        .run(move |c| rows::activity(c, share_id, MAX_LIST))
        .await?;
    Ok(rows.into_iter().map(ActivityView::from).collect())
}

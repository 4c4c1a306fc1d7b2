//! Reviewers' decisions on a version and the review status that follows from them.
//!
//! The status of a version, from each reviewer's LATEST decision (earlier ones stay as history):
//! - `changes_requested` when any reviewer's latest decision asks for changes;
//! - `approved` when there are decisions and every reviewer's latest one approves;
//! - `in_review` when the version has comments but nobody has decided yet;
//! - `none` otherwise.
//!
//! A new version starts at `none`: decisions and comments belong to one version.

use crate::audit::{self, Entry};
use crate::auth::Caller;
use crate::db::models::decision::{self, DecisionRow, NewDecision};
use crate::db::models::{asset, version};
use crate::error::AppError;
use crate::events::{self, Event};
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every review status with the words pages show for it (the library lists them in this order);
/// the one place these labels are written.
pub const STATUSES: &[(&str, &str)] = &[
    ("none", "Not reviewed"),
    ("in_review", "In review"),
    ("changes_requested", "Changes requested"),
    ("approved", "Approved"),
];

/// Whether `s` is a review status.
pub fn is_status(s: &str) -> bool {
    STATUSES.iter().any(|(v, _)| *v == s)
}

/// The status from decisions (newest first) and whether the version has comments.
pub fn status_of(decisions_newest_first: &[DecisionRow], has_comments: bool) -> &'static str {
    let mut seen = HashSet::new();
    let mut any = false;
    let mut changes = false;
    for d in decisions_newest_first {
        if seen.insert(d.reviewer_key.as_str()) {
            any = true;
            changes |= d.decision == "changes_requested";
        }
    }
    match (any, changes, has_comments) {
        (true, true, _) => "changes_requested",
        (true, false, _) => "approved",
        (false, _, true) => "in_review",
        _ => "none",
    }
}

/// Whom a team member's decisions count for: their account.
pub fn team_key(user_id: Uuid) -> String {
    format!("user:{user_id}")
}

/// Whom a guest's decisions count for: the link they came through and the email they gave,
/// lower-cased. Two guests of one name are two reviewers; one guest deciding again, from any
/// browser, replaces their own decision.
pub fn guest_key(share_id: Uuid, email: &str) -> String {
    format!("guest:{share_id}:{}", guest_email(email))
}

/// A guest's email as decisions keep it.
pub fn guest_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Words for a status (or a decision, `approved` / `changes_requested`), as pages show it.
pub fn label(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(v, _)| *v == status)
        .map_or(STATUSES[0].1, |(_, l)| l)
}

fn static_status(s: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(v, _)| *v == s)
        .map_or("none", |(v, _)| v)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reviewer {
    pub id: Option<Uuid>,
    pub name: String,
    /// Someone who decided through a share link, without an account.
    pub guest: bool,
    /// A guest's email (lower-case), which tells apart guests of one name; only the team sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: Uuid,
    pub decision: String,
    /// The decision in words (`Approved`, `Changes requested`).
    pub label: &'static str,
    pub note: String,
    pub author: Reviewer,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// A later decision by the same reviewer replaced this one.
    pub superseded: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Review {
    pub version_id: Uuid,
    pub asset_id: Uuid,
    pub status: &'static str,
    pub label: &'static str,
    /// Each reviewer's latest decision (newest first), then the superseded ones.
    pub decisions: Vec<DecisionView>,
}

pub(crate) fn review_of(
    version_id: Uuid,
    asset_id: Uuid,
    status: &str,
    rows: Vec<DecisionRow>,
) -> Review {
    let mut seen = HashSet::new();
    let (mut latest, mut older) = (Vec::new(), Vec::new());
    for d in rows {
        let superseded = !seen.insert(d.reviewer_key);
        let v = DecisionView {
            id: d.id,
            label: label(&d.decision),
            decision: d.decision,
            note: d.note,
            author: Reviewer {
                id: d.reviewer_id,
                name: d.reviewer_name,
                guest: d.guest_id.is_some() || d.reviewer_email.is_some(),
                email: d.reviewer_email,
            },
            created_at: d.created_at,
            superseded,
        };
        if superseded {
            older.push(v)
        } else {
            latest.push(v)
        }
    }
    latest.extend(older);
    let status = static_status(status);
    Review {
        version_id,
        asset_id,
        status,
        label: label(status),
        decisions: latest,
    }
}

/// `GET /api/versions/{id}/review`.
pub async fn review(state: &AppState, version_id: Uuid) -> Result<Review, AppError> {
    let found = state
        .db
        .run(move |c| {
            let Some(v) = version::find(c, version_id)? else {
                return Ok(None);
            };
            if asset::find_live(c, v.asset_id)?.is_none() {
                return Ok(None);
            }
            Ok(Some((v, decision::for_version(c, version_id)?)))
        })
        .await?;
    let (v, rows) = found.ok_or_else(|| AppError::not_found("No version with this id."))?;
    Ok(review_of(v.id, v.asset_id, &v.review_status, rows))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

fn invalid(m: impl Into<String>) -> AppError {
    AppError::bad_request("invalid-decision", m)
}

/// `POST /api/versions/{id}/decisions`: records, recomputes the status, audits, announces.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    version_id: Uuid,
    body: DecisionBody,
    audit_entry: Entry,
) -> Result<Review, AppError> {
    if !matches!(body.decision.as_str(), "approved" | "changes_requested") {
        return Err(invalid("decision is approved or changes_requested."));
    }
    let note = body.note.replace("\r\n", "\n");
    let note: String = note
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let note = note.trim().to_string();
    if note.chars().count() > super::comments::MAX_BODY {
        return Err(AppError::bad_request(
            "body-too-long",
            "A note may have at most 5000 characters.",
        ));
    }
    let (uid, name) = (caller.user.id, caller.user.display_name.clone());
    let what = body.decision.clone();
    let actor = crate::webhooks::Actor::of(caller);
    let hooks = state.config.webhooks.max_attempts;
    let result = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let Some(v) = version::find(c, version_id)? else {
                    return Ok(Err(AppError::not_found("No version with this id.")));
                };
                // Locked, so two decisions at once compute the status in turn.
                if asset::lock_live(c, v.asset_id)?.is_none() {
                    return Ok(Err(invalid("This version's asset was deleted.")));
                }
                let decision_id = Uuid::now_v7();
                decision::insert(
                    c,
                    &NewDecision {
                        id: decision_id,
                        asset_id: v.asset_id,
                        version_id,
                        reviewer_id: Some(uid),
                        reviewer_name: name,
                        decision: what.clone(),
                        note: note.clone(),
                        guest_id: None,
                        reviewer_key: team_key(uid),
                        reviewer_email: None,
                    },
                )?;
                let status = status_of(&decision::latest_per_reviewer(c, version_id)?, true);
                let rows = decision::for_version(c, version_id)?;
                decision::set_status(c, version_id, status)?;
                let entry = audit_entry
                    .target("version", version_id)
                    .details(serde_json::json!({
                        "asset_id": v.asset_id, "decision": what, "status": status,
                    }));
                audit::record_in(c, &entry)?;
                let hook = crate::webhooks::Emit::new(
                    "review.decided",
                    v.asset_id,
                    Some(version_id),
                    actor,
                )
                .with(
                    "decision",
                    serde_json::json!({
                        "id": decision_id, "decision": what, "note": note, "review_status": status,
                    }),
                );
                let deliveries = crate::webhooks::emit(c, hooks, &hook)?;
                Ok(Ok((
                    review_of(version_id, v.asset_id, status, rows),
                    deliveries,
                )))
            })
        })
        .await??;
    let (result, deliveries) = result;
    crate::queue::deliver(state, &deliveries).await;
    announce(state, result.asset_id, version_id, result.status).await;
    Ok(result)
}

pub async fn announce(state: &AppState, asset_id: Uuid, version_id: Uuid, status: &'static str) {
    let e = Event::Review {
        version_id,
        status,
        label: label(status),
    };
    events::publish(&state.redis, asset_id, &e).await;
}

/// A first comment puts an undecided version `in_review`.
pub async fn on_comment(
    state: &AppState,
    asset_id: Uuid,
    version_id: Uuid,
) -> Result<(), AppError> {
    let changed = state
        .db
        .run(move |c| decision::start_review(c, version_id))
        .await?;
    if changed {
        announce(state, asset_id, version_id, "in_review").await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(who: u128, what: &str) -> DecisionRow {
        DecisionRow {
            id: Uuid::now_v7(),
            asset_id: Uuid::nil(),
            version_id: Uuid::nil(),
            reviewer_id: Some(Uuid::from_u128(who)),
            reviewer_name: format!("r{who}"),
            decision: what.into(),
            note: String::new(),
            created_at: OffsetDateTime::now_utc(),
            guest_id: None,
            reviewer_key: team_key(Uuid::from_u128(who)),
            reviewer_email: None,
        }
    }

    fn g(share: u128, name: &str, email: &str, what: &str) -> DecisionRow {
        DecisionRow {
            reviewer_id: None,
            reviewer_name: name.into(),
            guest_id: Some(Uuid::now_v7()),
            reviewer_key: guest_key(Uuid::from_u128(share), email),
            reviewer_email: Some(guest_email(email)),
            ..d(0, what)
        }
    }

    #[test]
    fn a_guest_is_their_link_and_email_not_their_name() {
        // Two guests called Alex: one approves, the other asks for changes.
        let rows = [
            g(1, "Alex", "alex@a.test", "approved"),
            g(1, "Alex", "alex@b.test", "changes_requested"),
        ];
        assert_eq!(status_of(&rows, true), "changes_requested");
        let r = review_of(Uuid::nil(), Uuid::nil(), "changes_requested", rows.to_vec());
        assert!(r.decisions.iter().all(|d| !d.superseded));
        // The same guest (any case, another browser) deciding again replaces their decision.
        let rows = [
            g(1, "Alex B.", " ALEX@b.test", "approved"),
            g(1, "Alex", "alex@a.test", "approved"),
            g(1, "Alex", "alex@b.test", "changes_requested"),
        ];
        assert_eq!(status_of(&rows, true), "approved");
        let r = review_of(Uuid::nil(), Uuid::nil(), "approved", rows.to_vec());
        let superseded: Vec<bool> = r.decisions.iter().map(|d| d.superseded).collect();
        assert_eq!(superseded, [false, false, true]);
        // The same email through another link is another reviewer.
        assert_ne!(
            guest_key(Uuid::from_u128(1), "a@x.test"),
            guest_key(Uuid::from_u128(2), "a@x.test")
        );
    }

    #[test]
    fn status_follows_each_reviewers_latest_decision() {
        assert_eq!(status_of(&[], false), "none");
        assert_eq!(status_of(&[], true), "in_review");
        assert_eq!(status_of(&[d(1, "approved")], false), "approved");
        // Newest first: reviewer 1 approved after asking for changes.
        let rows = [
            d(1, "approved"),
            d(2, "approved"),
            d(1, "changes_requested"),
        ];
        assert_eq!(status_of(&rows, true), "approved");
        let rows = [d(2, "changes_requested"), d(1, "approved")];
        assert_eq!(status_of(&rows, true), "changes_requested");
        assert_eq!(label("changes_requested"), "Changes requested");
    }
}

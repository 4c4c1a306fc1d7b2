//! Review sets: named, ordered lists of live assets, shared as one link or used to filter the
//! library (`/?set=<id>`, `GET /api/assets?set=<id>`, in the set's order by default).
//!
//! Bounds: a name of 1 to `MAX_NAME` characters, at most `MAX_SET_ITEMS` assets a set (none is
//! allowed: a set is made, then filled), at most `MAX_SETS` sets. Every change to one set's list
//! runs with the set locked, so two people adding at once both land.

use super::{MAX_ITEMS, check_ids};
use crate::audit::{self, Entry};
use crate::auth::Caller;
use crate::db::models::{asset, review_set};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_NAME: usize = 200;
/// Most sets a studio keeps: every one of them is listed (`GET /api/review-sets`, the library).
pub const MAX_SETS: i64 = 500;
/// Most assets a set holds (the same bound as a share's).
pub const MAX_SET_ITEMS: usize = MAX_ITEMS;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SetView {
    pub id: Uuid,
    pub name: String,
    /// The set's live assets, in order.
    pub asset_ids: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl SetView {
    fn of(s: review_set::ReviewSet, asset_ids: Vec<Uuid>) -> Self {
        SetView {
            id: s.id,
            name: s.name,
            asset_ids,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// `POST /api/review-sets` (name required) and `PATCH /api/review-sets/{id}` (either): the ids
/// are the whole list, in order; a PATCH with them reorders, adds and removes at once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBody {
    pub name: Option<String>,
    pub asset_ids: Option<Vec<Uuid>>,
}

/// `POST /api/review-sets/{id}/assets`: assets to append, in order (those already in the set
/// keep their place).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    pub asset_ids: Vec<Uuid>,
}

fn check_name(n: &str) -> Result<String, AppError> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME || n.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-name",
            format!("A name has 1 to {MAX_NAME} characters, without control characters."),
        ));
    }
    Ok(n.to_string())
}

fn too_many() -> AppError {
    AppError::bad_request(
        "invalid-assets",
        format!("A review set holds at most {MAX_SET_ITEMS} assets."),
    )
}

/// A set's list: at most `MAX_SET_ITEMS`, no repeats, every id a live asset (404 naming the
/// first that is not).
async fn check_list(state: &AppState, ids: &[Uuid]) -> Result<(), AppError> {
    if ids.len() > MAX_SET_ITEMS {
        return Err(too_many());
    }
    if ids.is_empty() {
        return Ok(());
    }
    check_ids(ids)?;
    let lookup = ids.to_vec();
    let missing = state
        .db
        .run(move |c| {
            for id in lookup {
                if asset::find_live(c, id)?.is_none() {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
        .await?;
    match missing {
        Some(id) => Err(AppError::not_found(format!("No asset with id {id}."))),
        None => Ok(()),
    }
}

fn no_set() -> AppError {
    AppError::not_found("No review set with this id.")
}

pub async fn get(state: &AppState, id: Uuid) -> Result<SetView, AppError> {
    let (set, ids) = state
        .db
        .run(move |c| Ok((review_set::find(c, id)?, review_set::live_assets(c, id)?)))
        .await?;
    Ok(SetView::of(set.ok_or_else(no_set)?, ids))
}

/// Every set, newest first, each with its live assets in order (two queries in all).
pub async fn list(state: &AppState) -> Result<Vec<SetView>, AppError> {
    let (sets, items) = state
        .db
        .run(move |c| {
            let sets = review_set::list(c, MAX_SETS)?;
            let ids: Vec<Uuid> = sets.iter().map(|s| s.id).collect();
            Ok((sets, review_set::live_items_of(c, &ids)?))
        })
        .await?;
    let mut by_set: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (set, asset) in items {
        by_set.entry(set).or_default().push(asset);
    }
    Ok(sets
        .into_iter()
        .map(|s| {
            let ids = by_set.remove(&s.id).unwrap_or_default();
            SetView::of(s, ids)
        })
        .collect())
}

pub async fn create(state: &AppState, caller: &Caller, b: SetBody) -> Result<SetView, AppError> {
    let name = check_name(b.name.as_deref().unwrap_or_default())?;
    let ids = b.asset_ids.unwrap_or_default();
    check_list(state, &ids).await?;
    let id = Uuid::now_v7();
    let uid = caller.user.id;
    let entry = Entry::by(caller, "review_set.create")
        .target("review_set", id)
        .details(serde_json::json!({ "assets": ids.len() }));
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if review_set::count_locked(c)? >= MAX_SETS {
                    return Ok(Err(AppError::conflict(
                        "too-many-sets",
                        format!("There are {MAX_SETS} review sets already: delete one first."),
                    )));
                }
                review_set::insert(c, id, &name, Some(uid), &ids)?;
                audit::record_in(c, &entry)?;
                Ok(Ok(()))
            })
        })
        .await??;
    get(state, id).await
}

/// Runs `change` on the set's live list with the set locked; it answers the new list (stored,
/// in order) or `None` to keep it, or refuses. Audited as `action` with `details`.
async fn change_items(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    action: &'static str,
    details: serde_json::Value,
    change: impl FnOnce(Vec<Uuid>) -> Result<Option<Vec<Uuid>>, AppError> + Send + 'static,
) -> Result<SetView, AppError> {
    let entry = Entry::by(caller, action)
        .target("review_set", id)
        .details(details);
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if review_set::lock(c, id)?.is_none() {
                    return Ok(Err(no_set()));
                }
                let now = review_set::live_assets(c, id)?;
                match change(now) {
                    Err(e) => Ok(Err(e)),
                    Ok(None) => Ok(Ok(())),
                    Ok(Some(ids)) => {
                        review_set::set_items(c, id, &ids)?;
                        review_set::touch(c, id)?;
                        audit::record_in(c, &entry)?;
                        Ok(Ok(()))
                    }
                }
            })
        })
        .await??;
    get(state, id).await
}

/// `PATCH`: a new name, a new list (in order), or both.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    b: SetBody,
) -> Result<SetView, AppError> {
    let name = b.name.as_deref().map(check_name).transpose()?;
    if let Some(ids) = &b.asset_ids {
        check_list(state, ids).await?;
    }
    if name.is_none() && b.asset_ids.is_none() {
        return Err(AppError::bad_request(
            "nothing-to-change",
            "Send name or asset_ids.",
        ));
    }
    let ids = b.asset_ids;
    let entry = Entry::by(caller, "review_set.update")
        .target("review_set", id)
        .details(serde_json::json!({
            "name": name, "assets": ids.as_ref().map(Vec::len),
        }));
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if review_set::lock(c, id)?.is_none() {
                    return Ok(Err(no_set()));
                }
                if let Some(n) = &name {
                    review_set::rename(c, id, n)?;
                }
                if let Some(ids) = &ids {
                    review_set::set_items(c, id, ids)?;
                    review_set::touch(c, id)?;
                }
                audit::record_in(c, &entry)?;
                Ok(Ok(()))
            })
        })
        .await??;
    get(state, id).await
}

/// `POST .../assets`: appends the assets not in the set yet, in the order given.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    b: AddBody,
) -> Result<SetView, AppError> {
    if b.asset_ids.is_empty() {
        return Err(AppError::bad_request(
            "invalid-assets",
            "Give the ids of the assets to add.",
        ));
    }
    check_list(state, &b.asset_ids).await?;
    let details = serde_json::json!({ "added": b.asset_ids });
    change_items(
        state,
        caller,
        id,
        "review_set.add",
        details,
        move |mut now| {
            let before = now.len();
            for a in b.asset_ids {
                if !now.contains(&a) {
                    now.push(a);
                }
            }
            match now.len() {
                n if n > MAX_SET_ITEMS => Err(too_many()),
                n if n == before => Ok(None),
                _ => Ok(Some(now)),
            }
        },
    )
    .await
}

/// `DELETE .../assets/{asset_id}`: takes one asset out of the set (404 when it is not in it).
pub async fn remove(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    asset_id: Uuid,
) -> Result<SetView, AppError> {
    let details = serde_json::json!({ "removed": asset_id });
    change_items(
        state,
        caller,
        id,
        "review_set.remove",
        details,
        move |now| {
            if !now.contains(&asset_id) {
                return Err(AppError::not_found("This asset is not in the review set."));
            }
            Ok(Some(now.into_iter().filter(|a| *a != asset_id).collect()))
        },
    )
    .await
}

pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    let entry = Entry::by(caller, "review_set.delete").target("review_set", id);
    let n = state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let n = review_set::delete(c, id)?;
                if n == 1 {
                    audit::record_in(c, &entry)?;
                }
                Ok(n)
            })
        })
        .await?;
    if n == 0 {
        return Err(no_set());
    }
    Ok(())
}

//! Review sets: named, ordered lists of live assets, shared as one link or used to filter the
//! library (`/?set=<id>`, `GET /api/assets?set=<id>`).

use super::{MAX_ITEMS, check_ids};
use crate::audit::{self, Entry};
use crate::auth::Caller;
use crate::db::models::{asset, review_set};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub const MAX_NAME: usize = 200;
pub const MAX_SETS: i64 = 500;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SetView {
    pub id: Uuid,
    pub name: String,
    pub asset_ids: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBody {
    pub name: Option<String>,
    pub asset_ids: Option<Vec<Uuid>>,
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

/// Every id must be a live asset: 404 naming the first that is not.
async fn check_live(state: &AppState, ids: &[Uuid]) -> Result<(), AppError> {
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

pub async fn get(state: &AppState, id: Uuid) -> Result<SetView, AppError> {
    let (set, ids) = state
        .db
        .run(move |c| Ok((review_set::find(c, id)?, review_set::live_assets(c, id)?)))
        .await?;
    let s = set.ok_or_else(|| AppError::not_found("No review set with this id."))?;
    Ok(SetView {
        id: s.id,
        name: s.name,
        asset_ids: ids,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

pub async fn list(state: &AppState) -> Result<Vec<SetView>, AppError> {
    let out = state
        .db
        .run(move |c| {
            review_set::list(c, MAX_SETS)?
                .into_iter()
                .map(|s| {
                    Ok(SetView {
                        asset_ids: review_set::live_assets(c, s.id)?,
                        id: s.id,
                        name: s.name,
                        created_at: s.created_at,
                        updated_at: s.updated_at,
                    })
                })
                .collect::<Result<Vec<_>, diesel::result::Error>>()
        })
        .await?;
    Ok(out)
}

pub async fn create(state: &AppState, caller: &Caller, b: SetBody) -> Result<SetView, AppError> {
    let name = check_name(b.name.as_deref().unwrap_or_default())?;
    let ids = b.asset_ids.unwrap_or_default();
    check_live(state, &ids).await?;
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
                review_set::insert(c, id, &name, Some(uid), &ids)?;
                audit::record_in(c, &entry)
            })
        })
        .await?;
    get(state, id).await
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    b: SetBody,
) -> Result<SetView, AppError> {
    get(state, id).await?;
    let name = b.name.as_deref().map(check_name).transpose()?;
    if let Some(ids) = &b.asset_ids {
        check_live(state, ids).await?;
    }
    if name.is_none() && b.asset_ids.is_none() {
        return Err(AppError::bad_request(
            "nothing-to-change",
            "Send name or asset_ids.",
        ));
    }
    let ids = b.asset_ids;
    let entry = Entry::by(caller, "review_set.update").target("review_set", id);
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                if let Some(n) = &name {
                    review_set::rename(c, id, n)?;
                }
                if let Some(ids) = &ids {
                    review_set::set_items(c, id, ids)?;
                    review_set::touch(c, id)?;
                }
                audit::record_in(c, &entry)
            })
        })
        .await?;
    get(state, id).await
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
        return Err(AppError::not_found("No review set with this id."));
    }
    Ok(())
}

/// Most assets a set holds (the same bound as a share's).
pub const MAX_SET_ITEMS: usize = MAX_ITEMS;

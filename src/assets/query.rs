//! `GET /api/assets` parameters: words to search, filters, sort and page, checked and turned
//! into one `ListQuery`.

use crate::db::models::asset::{self, Asset, ListQuery, Sort};
use crate::db::models::job;
use crate::error::AppError;
use crate::ingest::media::MediaType;
use crate::queue::jobs::preview::PREVIEW_KIND;
use crate::state::AppState;
use crate::status::{PublicState, VersionStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const MAX_PER_PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words matched against title, tags, file name and description (prefixes count).
    pub q: Option<String>,
    pub status: Option<String>,
    pub media_type: Option<String>,
    /// The current version's review status: none, in_review, approved, changes_requested.
    pub review: Option<String>,
    /// Created at or after: a date (`2026-11-01`) or an RFC 3339 time.
    pub from: Option<String>,
    /// Created before: a date (the whole day counts) or an RFC 3339 time.
    pub to: Option<String>,
    /// `-created_at` (default), `created_at`, `title`, `-title`, `size`, `-size`, `relevance`
    /// (default with `q`), `review` (changes requested, in review, not reviewed, approved),
    /// `set` (the review set's order; default with `set`, needs it).
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Only the assets of this review set (its id).
    pub set: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T = Asset> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub pages: i64,
}

/// The user's words as a prefix-matching `tsquery`: every word must match. Only letters and
/// digits survive, so nothing the user types can break the query syntax.
pub fn tsquery(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

fn bad(code: &'static str, m: impl Into<String>) -> AppError {
    AppError::bad_request(code, m)
}

fn parse_time(raw: &str, end_of_day: bool, field: &str) -> Result<OffsetDateTime, AppError> {
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(raw, &fmt).map_err(|_| {
        bad(
            "invalid-query",
            format!("{field} must be a date like 2026-11-26 or an RFC 3339 time."),
        )
    })?;
    let day = if end_of_day {
        day.next_day().unwrap_or(day)
    } else {
        day
    };
    Ok(day.midnight().assume_utc())
}

impl ListParams {
    pub fn to_query(&self) -> Result<(ListQuery, i64), AppError> {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 200) {
            return Err(bad("invalid-query", "Search for at most 200 characters."));
        }
        let tsquery = q.and_then(tsquery);
        if let Some(s) = &self.status
            && s.parse::<VersionStatus>().is_err()
        {
            let all: Vec<&str> = VersionStatus::ALL.iter().map(|v| v.as_str()).collect();
            return Err(bad(
                "invalid-query",
                format!("status must be one of {}.", all.join(", ")),
            ));
        }
        if let Some(m) = &self.media_type
            && MediaType::parse(m).is_none()
        {
            return Err(bad(
                "invalid-query",
                "media_type must be video, audio or image.",
            ));
        }
        if let Some(r) = &self.review
            && !crate::review::decisions::is_status(r)
        {
            return Err(bad(
                "invalid-query",
                "review must be none, in_review, approved or changes_requested.",
            ));
        }
        let set_id = match self.set.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(
                uuid::Uuid::parse_str(s)
                    .map_err(|_| bad("invalid-query", "set must be a review set's id."))?,
            ),
        };
        let sort = match self.sort.as_deref() {
            None if tsquery.is_some() => Sort::Relevance,
            None if set_id.is_some() => Sort::SetOrder,
            Some("set") if set_id.is_some() => Sort::SetOrder,
            Some("set") => return Err(bad("invalid-query", "sort=set needs set.")),
            None | Some("-created_at") => Sort::NewestFirst,
            Some("created_at") => Sort::OldestFirst,
            Some("title") => Sort::TitleAsc,
            Some("-title") => Sort::TitleDesc,
            Some("size") => Sort::SmallestFirst,
            Some("-size") => Sort::LargestFirst,
            Some("relevance") => Sort::Relevance,
            Some("review") => Sort::Review,
            Some(_) => {
                return Err(bad(
                    "invalid-query",
                    "sort must be one of -created_at, created_at, title, -title, size, -size, relevance, review, set.",
                ));
            }
        };
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=1_000_000).contains(&page) {
            return Err(bad("invalid-query", "page must be 1 or more."));
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(bad(
                "invalid-query",
                format!("per_page must be between 1 and {MAX_PER_PAGE}."),
            ));
        }
        let created_from = self
            .from
            .as_deref()
            .map(|f| parse_time(f, false, "from"))
            .transpose()?;
        let created_before = self
            .to
            .as_deref()
            .map(|t| parse_time(t, true, "to"))
            .transpose()?;
        Ok((
            ListQuery {
                set_id,
                tsquery,
                status: self.status.clone(),
                media_type: self.media_type.clone(),
                review_status: self.review.clone(),
                created_from,
                created_before,
                sort,
                limit: per_page,
                offset: (page - 1) * per_page,
            },
            page,
        ))
    }
}

/// `GET /api/assets`.
pub async fn list(state: &AppState, params: &ListParams) -> Result<Page, AppError> {
    let (query, page) = params.to_query()?;
    let per_page = query.limit;
    let (items, total) = state.db.run(move |c| asset::list(c, &query)).await?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
        pages: (total + per_page - 1) / per_page,
    })
}

/// An asset as `GET /api/assets` lists it: what `GET /api/assets/{id}` says of its state too.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListItem {
    #[serde(flatten)]
    pub asset: Asset,
    /// What people see of the asset (its status with its preview job's), and the badge label.
    pub public_state: PublicState,
    pub label: &'static str,
}

/// `GET /api/assets`: a page of assets, each with its public state from the one mapping in
/// `crate::status` (the current version's latest preview job counts, as for one asset).
pub async fn list_with_state(
    state: &AppState,
    params: &ListParams,
) -> Result<Page<ListItem>, AppError> {
    let page = list(state, params).await?;
    let versions: Vec<_> = page
        .items
        .iter()
        .filter_map(|a| a.current_version_id)
        .collect();
    let previews = state
        .db
        .run(move |c| job::latest_states(c, PREVIEW_KIND, &versions))
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|asset| {
            let preview = asset.current_version_id.and_then(|v| previews.get(&v));
            let public_state = asset.status.public(preview.copied());
            ListItem {
                asset,
                public_state,
                label: public_state.label(),
            }
        })
        .collect();
    Ok(Page {
        items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        pages: page.pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_a_safe_prefix_query() {
        assert_eq!(
            tsquery("Drone  A001_C002!").unwrap(),
            "drone:* & a001:* & c002:*"
        );
        assert_eq!(
            tsquery("'); DROP TABLE assets; --").unwrap(),
            "drop:* & table:* & assets:*"
        );
        assert_eq!(tsquery("!!! ..."), None);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let p = |f: fn(&mut ListParams)| {
            let mut l = ListParams::default();
            f(&mut l);
            l.to_query().err().map(|e| e.code())
        };
        assert_eq!(p(|l| l.per_page = Some(500)), Some("invalid-query"));
        assert_eq!(p(|l| l.status = Some("lost".into())), Some("invalid-query"));
        assert_eq!(p(|l| l.sort = Some("random".into())), Some("invalid-query"));
        assert_eq!(
            p(|l| l.review = Some("maybe".into())),
            Some("invalid-query")
        );
        assert_eq!(p(|l| l.review = Some("approved".into())), None);
        assert_eq!(p(|l| l.sort = Some("review".into())), None);
        assert_eq!(
            p(|l| l.from = Some("yesterday".into())),
            Some("invalid-query")
        );
        assert_eq!(p(|l| l.to = Some("2026-11-26".into())), None);
        assert_eq!(p(|l| l.set = Some("x".into())), Some("invalid-query"));
        assert_eq!(p(|l| l.sort = Some("set".into())), Some("invalid-query"));
    }

    #[test]
    fn a_set_lists_in_its_own_order_unless_asked_otherwise() {
        let q = |sort: Option<&str>| ListParams {
            set: Some(uuid::Uuid::nil().to_string()),
            sort: sort.map(String::from),
            ..Default::default()
        };
        assert_eq!(q(None).to_query().unwrap().0.sort, Sort::SetOrder);
        assert_eq!(q(Some("set")).to_query().unwrap().0.sort, Sort::SetOrder);
        assert_eq!(q(Some("title")).to_query().unwrap().0.sort, Sort::TitleAsc);
    }
}

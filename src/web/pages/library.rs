//! `/`: the library. The same list query as `GET /api/assets` (search, filters, sort, page),
//! plus the cards' extras for that page only; the time spent is in `Server-Timing`.

use super::errors::PageResult;
use super::format;
use super::layout::Layout;
use super::library_query::{
    LibraryQuery, MEDIA_OPTIONS, PAGE_SIZE, REVIEW_OPTIONS, Raw, STATUS_OPTIONS,
};
use super::posters::Posters;
use crate::assets::{self, ListParams, Page};
use crate::auth::{PageAuth, Permission, perm};
use crate::db::models::asset::Asset;
use crate::db::models::library::{self, CardExtra};
use crate::db::models::review_set;
use crate::queue::jobs::preview::PREVIEW_KIND;
use crate::shares::sets::MAX_SETS;
use crate::status::PublicState;

/// The kind of the poster re-render job (`POST /api/assets/{id}/poster`).
pub const POSTER_KIND: &str = "poster";
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use std::time::Instant;

pub struct Card {
    pub id: String,
    pub title: String,
    pub filename: String,
    pub poster: Option<String>,
    pub duration: String,
    pub resolution: String,
    pub size: String,
    pub media: String,
    pub status: PublicState,
    pub percent: Option<u8>,
    /// "Still processing (41%)" when the preview already plays.
    pub still_processing: Option<String>,
    pub created: String,
    pub created_iso: String,
}

impl Card {
    pub fn status_label(&self) -> String {
        format::badge(self.status, self.percent)
    }
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    layout: Layout,
    query: LibraryQuery,
    cards: Vec<Card>,
    summary: String,
    problem: Option<String>,
    filtered: bool,
    list_view: bool,
    can_upload: bool,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    grid_url: String,
    list_url: String,
    clear_url: &'static str,
    status_options: &'static [(&'static str, &'static str)],
    review_options: &'static [(&'static str, &'static str)],
    media_options: &'static [(&'static str, &'static str)],
    sort_options: Vec<(&'static str, &'static str)>,
    /// Every review set `(id, name)`, by name: the filter and the "add to" list.
    sets: Vec<(String, String)>,
    /// The set shown (`?set=`), with its assets in order.
    set_panel: Option<SetPanel>,
    /// May make and change review sets and share them (`shares:manage`).
    can_manage_sets: bool,
}

/// The review set the library shows: its name and its live assets `(id, title)`, in order.
struct SetPanel {
    id: String,
    name: String,
    items: Vec<(String, String)>,
}

/// Every set by name, and the one asked for with its assets (`None` when there is none such).
async fn sets_of(
    st: &AppState,
    asked: Option<uuid::Uuid>,
) -> Result<(Vec<(String, String)>, Option<SetPanel>), crate::error::AppError> {
    let (all, items) = st
        .db
        .run(move |c| {
            let all = review_set::list(c, MAX_SETS)?;
            let items = match asked {
                Some(id) => Some(review_set::live_titles(c, id)?),
                None => None,
            };
            Ok((all, items))
        })
        .await?;
    let panel = asked.and_then(|id| {
        let s = all.iter().find(|s| s.id == id)?;
        Some(SetPanel {
            id: id.to_string(),
            name: s.name.clone(),
            items: items
                .unwrap_or_default()
                .into_iter()
                .map(|(a, t)| (a.to_string(), t))
                .collect(),
        })
    });
    let mut names: Vec<_> = all
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();
    names.sort_by_cached_key(|(_, n)| n.to_lowercase());
    Ok((names, panel))
}

/// The state a card shows, from the stored status and the preview job's.
fn card_status(asset: &Asset, extra: Option<&CardExtra>) -> (PublicState, Option<u8>) {
    let job = extra.and_then(|e| e.job_state);
    let percent = extra
        .and_then(|e| e.progress)
        .map(|p| p.clamp(0.0, 100.0) as u8);
    let state = asset.status.public(job);
    let percent = (state == PublicState::Processing)
        .then_some(percent)
        .flatten();
    (state, percent)
}

fn card(asset: &Asset, extra: Option<&CardExtra>, posters: &Posters) -> Card {
    let (status, percent) = card_status(asset, extra);
    let poster = match (status, asset.current_version_id) {
        (PublicState::Ready, Some(v)) if asset.media_type != "audio" => {
            posters.url(asset.id, v, extra.and_then(|e| e.poster_job))
        }
        _ => None,
    };
    Card {
        id: asset.id.to_string(),
        title: asset.title.clone(),
        filename: asset.filename.clone(),
        poster,
        duration: format::duration(extra.and_then(|e| e.duration)),
        resolution: format::resolution(extra.and_then(|e| e.width), extra.and_then(|e| e.height)),
        size: format::size(asset.size_bytes),
        media: asset.media_type.clone(),
        still_processing: (status == PublicState::Processing
            && asset
                .status
                .playable(extra.is_some_and(|e| e.early_playable)))
        .then(|| crate::status::still_processing_label(percent.unwrap_or(0) as f32)),
        status,
        percent,
        created: format::date(asset.created_at),
        created_iso: format::iso(asset.created_at),
    }
}

fn params(q: &LibraryQuery) -> ListParams {
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    ListParams {
        q: some(&q.q),
        status: some(&q.status),
        media_type: some(&q.media),
        review: some(&q.review),
        from: some(&q.from),
        to: some(&q.to),
        sort: Some(q.api_sort().to_string()),
        page: Some(q.page),
        per_page: Some(PAGE_SIZE),
        set: some(&q.set),
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn page(
    req: HttpRequest,
    caller: PageAuth<perm::AssetsRead>,
    st: web::Data<AppState>,
    raw: web::Query<Raw>,
) -> PageResult {
    let started = Instant::now();
    let (query, mut problems) = LibraryQuery::parse(raw.into_inner());
    let listed = match assets::list(&st, &params(&query)).await {
        Ok(p) => p,
        // A combination the API refuses (a date range upside down...) is told, not thrown.
        Err(e) if actix_web::ResponseError::status_code(&e).is_client_error() => {
            problems.push(e.public_message());
            Page {
                items: Vec::new(),
                total: 0,
                page: 1,
                per_page: PAGE_SIZE,
                pages: 0,
            }
        }
        Err(e) => return Err(e.into()),
    };
    let asset_ids: Vec<_> = listed.items.iter().map(|a| a.id).collect();
    let version_ids: Vec<_> = listed
        .items
        .iter()
        .filter_map(|a| a.current_version_id)
        .collect();
    let extras = st
        .db
        .run(move |c| library::for_page(c, &asset_ids, &version_ids, (PREVIEW_KIND, POSTER_KIND)))
        .await?;
    let asked = uuid::Uuid::parse_str(&query.set).ok();
    let (sets, set_panel) = sets_of(&st, asked).await?;
    if asked.is_some() && set_panel.is_none() {
        problems.push("This review set does not exist (any more).".into());
    }
    let db_done = started.elapsed();
    let posters = Posters::new(&st);
    let cards: Vec<Card> = listed
        .items
        .iter()
        .map(|a| {
            card(
                a,
                a.current_version_id.and_then(|v| extras.get(&v)),
                &posters,
            )
        })
        .collect();
    let summary = match listed.total {
        0 => String::new(),
        1 => "1 asset".to_string(),
        n if n <= PAGE_SIZE => format!("{n} assets"),
        n => format!(
            "{}–{} of {n} assets",
            (listed.page - 1) * PAGE_SIZE + 1,
            ((listed.page - 1) * PAGE_SIZE + cards.len() as i64)
        ),
    };
    let pages = listed.pages;
    let page = LibraryPage {
        layout: Layout::new(&req, Some(&caller)).in_section("library"),
        prev_url: (query.page > 1).then(|| query.url(query.page - 1, query.list)),
        next_url: (query.page < pages).then(|| query.url(query.page + 1, query.list)),
        grid_url: query.url(query.page, false),
        list_url: query.url(query.page, true),
        clear_url: if query.list { "/?view=list" } else { "/" },
        filtered: query.is_filtered(),
        list_view: query.list,
        can_upload: caller.can(Permission::UploadsCreate),
        can_manage_sets: caller.can(Permission::SharesManage),
        sets,
        set_panel,
        page: query.page,
        pages,
        problem: (!problems.is_empty()).then(|| problems.join(" ")),
        summary,
        cards,
        sort_options: query.sort_options(),
        query,
        status_options: &STATUS_OPTIONS,
        review_options: &REVIEW_OPTIONS,
        media_options: MEDIA_OPTIONS,
    };
    let before_render = started.elapsed();
    let mut res = page.layout.respond(&page, StatusCode::OK);
    // The middleware adds the whole request's total after these.
    let timing = format!(
        "db;dur={:.2}, render;dur={:.2}",
        ms(db_done),
        ms(started.elapsed() - before_render),
    );
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&timing) {
        res.headers_mut().insert(crate::web::csp::SERVER_TIMING, v);
    }
    Ok(res)
}

//! `GET /r/<token>[?asset=&version=]`: the guest's page. A closed link is a readable page (404
//! not a link, 410 revoked or expired); a password is asked first; then the player, the
//! comments guests may see and, by the link's permission, the comment box and the decision.

use super::open;
use crate::db::models::version::Version;
use crate::error::AppError;
use crate::shares::access::Access;
use crate::shares::activity;
use crate::state::AppState;
use crate::web::pages::player::{PlayerView, ReviewPanel};
use crate::web::pages::{Layout, PageResult, error_page, format};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub struct Item {
    pub id: String,
    pub title: String,
    pub selected: bool,
}

pub struct VersionLink {
    pub id: String,
    pub number: i32,
    pub selected: bool,
}

/// What the review panels read of the asset (`review_panel.html` names `asset.media`).
pub struct GuestAsset {
    pub id: String,
    pub title: String,
    pub media: String,
}

#[derive(Template)]
#[template(path = "guest.html")]
struct GuestPage {
    layout: Layout,
    token: String,
    title: String,
    locked: bool,
    items: Vec<Item>,
    asset: GuestAsset,
    version_id: String,
    version_number: i32,
    versions: Vec<VersionLink>,
    playable: bool,
    /// A playable version, or an image's still: the review panels show.
    reviewable: bool,
    player: PlayerView,
    panel: ReviewPanel,
    player_json: String,
    may_comment: bool,
    may_approve: bool,
    download: String,
    watermark: bool,
    guest_name: String,
    guest_email: String,
    has_identity: bool,
}

#[derive(Deserialize)]
pub struct Which {
    asset: Option<String>,
    version: Option<String>,
}

/// The link's summary for its JSON API (`GET .../share`): nothing of the studio's library.
#[derive(Serialize)]
pub struct Summary {
    pub title: String,
    pub permissions: String,
    pub allow_download: String,
    pub show_versions: bool,
    pub watermark: bool,
    pub password_required: bool,
    pub unlocked: bool,
    pub guest: Option<String>,
    pub assets: Vec<SummaryAsset>,
}

#[derive(Serialize)]
pub struct SummaryAsset {
    pub id: Uuid,
    pub title: String,
    pub media: String,
    pub version_id: Uuid,
    pub version_number: i32,
    pub versions: Vec<Uuid>,
}

pub async fn summary(st: &AppState, a: &Access) -> Result<Summary, AppError> {
    let mut assets = Vec::new();
    if a.unlocked() {
        for item in &a.items {
            let Ok(v) = a.version(st, item.asset_id, None).await else {
                continue; // deleted since it was shared
            };
            let versions = a
                .versions(st, item.asset_id)
                .await?
                .iter()
                .map(|v| v.id)
                .collect();
            assets.push(SummaryAsset {
                id: item.asset_id,
                title: crate::shares::guest::asset_title(st, item.asset_id).await?,
                media: v.media_type.clone(),
                version_id: v.id,
                version_number: v.number,
                versions,
            });
        }
    }
    Ok(Summary {
        title: a.share.title.clone(),
        permissions: a.share.permissions.clone(),
        allow_download: a.share.allow_download.clone(),
        show_versions: a.share.show_versions,
        watermark: a.share.watermark,
        password_required: a.share.password_hash.is_some(),
        unlocked: a.unlocked(),
        guest: a.guest.as_ref().and_then(|g| g.name.clone()),
        assets,
    })
}

/// The edge URL of an image version's still for this guest: like playback, for that version's
/// previews only and for at most 15 minutes (the picture is loaded once, with the page).
fn still_url(st: &AppState, a: &Access, v: &Version) -> Option<String> {
    if v.status != "ready" || v.media_type != "image" {
        return None;
    }
    let exp = crate::shares::guest_review::playback_exp(a);
    crate::web::pages::posters::signed(
        &st.signer,
        &st.config.edge_public_base,
        v.asset_id,
        v.id,
        exp,
    )
}

fn closed_page(status: StatusCode, message: &str) -> HttpResponse {
    let mut res = error_page(status, message);
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

fn not_found() -> HttpResponse {
    closed_page(
        StatusCode::NOT_FOUND,
        "This link shows no such asset or version.",
    )
}

pub async fn page(
    req: HttpRequest,
    st: web::Data<AppState>,
    token: web::Path<String>,
    which: web::Query<Which>,
) -> PageResult {
    let a = match open(&req, &st, &token).await? {
        Ok(a) => a,
        Err(closed) => return Ok(closed_page(closed.status(), closed.message())),
    };
    let parse = |s: &Option<String>| match s.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::parse_str(s).map(Some).map_err(|_| ()),
    };
    let (Ok(asked_asset), Ok(asked_version)) = (parse(&which.asset), parse(&which.version)) else {
        return Ok(not_found());
    };
    let locked = !a.unlocked();
    let mut items = Vec::new();
    let mut chosen: Option<(Uuid, Version)> = None;
    if !locked {
        for item in &a.items {
            let selected = asked_asset.map_or(chosen.is_none(), |x| x == item.asset_id);
            let version = if selected {
                match a.version(&st, item.asset_id, asked_version).await {
                    Ok(v) => Some(v),
                    Err(_) if asked_asset.is_some() => return Ok(not_found()),
                    Err(_) => continue,
                }
            } else if a.version(&st, item.asset_id, None).await.is_err() {
                continue; // deleted since it was shared
            } else {
                None
            };
            if let Some(v) = version {
                chosen = Some((item.asset_id, v));
            }
            items.push(Item {
                id: item.asset_id.to_string(),
                title: crate::shares::guest::asset_title(&st, item.asset_id).await?,
                selected,
            });
        }
        if chosen.is_none() {
            return Ok(not_found());
        }
    }
    let guest = a.guest.as_ref();
    let (guest_name, guest_email) = (
        guest.and_then(|g| g.name.clone()).unwrap_or_default(),
        guest.and_then(|g| g.email.clone()).unwrap_or_default(),
    );
    let mut page = GuestPage {
        layout: Layout::bare(&req),
        token: token.to_string(),
        title: a.share.title.clone(),
        locked,
        items,
        asset: GuestAsset {
            id: String::new(),
            title: String::new(),
            media: String::new(),
        },
        version_id: String::new(),
        version_number: 0,
        versions: Vec::new(),
        playable: false,
        reviewable: false,
        player: PlayerView::default(),
        panel: ReviewPanel {
            composer: a.may_comment(),
            mentions: false,
        },
        player_json: "null".into(),
        may_comment: a.may_comment(),
        may_approve: a.may_approve(),
        download: a.share.allow_download.clone(),
        watermark: a.share.watermark,
        has_identity: !guest_name.is_empty() && !guest_email.is_empty(),
        guest_name,
        guest_email,
    };
    if let Some((asset_id, v)) = chosen {
        let title = page
            .items
            .iter()
            .find(|i| i.selected)
            .map(|i| i.title.clone())
            .unwrap_or_default();
        let tech = v.technical.clone().unwrap_or(serde_json::Value::Null);
        page.playable = v.status == "ready" && matches!(v.media_type.as_str(), "video" | "audio");
        page.player = PlayerView::of(&v, &title);
        page.player.still = still_url(&st, &a, &v);
        page.player.watermark = a.share.watermark;
        page.player.hidden = a.share.watermark && !page.has_identity;
        page.reviewable = page.playable || page.player.still.is_some();
        page.player_json = format::script_json(&serde_json::json!({
            "asset_id": asset_id,
            "version_id": v.id,
            "media": v.media_type,
            "duration": tech.get("duration"),
            "frame_rate": tech.pointer("/video/frame_rate"),
            "timecode_start": tech.get("timecode"),
        }));
        page.versions = a
            .versions(&st, asset_id)
            .await?
            .iter()
            .map(|x| VersionLink {
                id: x.id.to_string(),
                number: x.number,
                selected: x.id == v.id,
            })
            .collect();
        page.asset = GuestAsset {
            id: asset_id.to_string(),
            title,
            media: v.media_type.clone(),
        };
        page.version_id = v.id.to_string();
        page.version_number = v.number;
        activity::record(
            &st,
            &a,
            "opened",
            Some(asset_id),
            Some(v.id),
            serde_json::json!({}),
        )
        .await?;
    }
    let mut res = page.layout.respond(&page, StatusCode::OK);
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The token is in this page's URL: never send it on to another site.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    Ok(res)
}

//! `/r/<token>/api/...`: the guest's JSON routes. Each opens the link first (404 not a link,
//! 410 revoked or expired), then asks `shares` what this guest may reach.

use super::{open_api, set_cookie};
use crate::review::comments::NewCommentBody;
use crate::review::decisions::DecisionBody;
use crate::shares::{activity, download, guest, guest_review};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

/// Like the team's comments route: a drawing a little over its limit still reaches its check.
const BODY_LIMIT: usize = 4 * crate::review::drawing::MAX_BYTES;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/share", web::get().to(share))
        .route("/unlock", web::post().to(unlock))
        .route("/guest", web::post().to(identify))
        .service(
            web::resource("/assets/{asset}/comments")
                .app_data(crate::error::json_config(BODY_LIMIT))
                .route(web::get().to(comments))
                .route(web::post().to(comment)),
        )
        .route("/comments/{comment}", web::get().to(one_comment))
        .route("/assets/{asset}/sign", web::post().to(sign))
        .route("/assets/{asset}/download", web::get().to(download))
        .route("/versions/{version}/review", web::get().to(review))
        .route("/versions/{version}/decisions", web::post().to(decide))
        .route("/activity", web::post().to(played));
}

fn no_store() -> actix_web::HttpResponseBuilder {
    let mut b = HttpResponse::Ok();
    b.insert_header((header::CACHE_CONTROL, "no-store"));
    b
}

/// `GET .../share`: what the link shows and allows, and whether the password is still asked.
async fn share(
    req: HttpRequest,
    st: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let a = open_api(&req, &st, &token).await?;
    let summary = super::page::summary(&st, &a).await?;
    Ok(no_store().json(summary))
}

async fn unlock(
    req: HttpRequest,
    st: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<guest::UnlockBody>,
) -> ApiResult<HttpResponse> {
    let a = open_api(&req, &st, &token).await?;
    let secret = guest::unlock(&st, &a, body.into_inner()).await?;
    let mut res = HttpResponse::NoContent().finish();
    if let Some(s) = secret {
        set_cookie(&st, &token, &s, &mut res);
    }
    Ok(res)
}

/// `POST .../guest {name, email}`.
async fn identify(
    req: HttpRequest,
    st: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<guest::IdentityBody>,
) -> ApiResult<HttpResponse> {
    let a = open_api(&req, &st, &token).await?;
    let (g, secret) = guest::identify(&st, &a, body.into_inner()).await?;
    let mut res = no_store().json(serde_json::json!({ "name": g.name, "email": g.email }));
    if let Some(s) = secret {
        set_cookie(&st, &token, &s, &mut res);
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionQuery {
    version_id: Option<Uuid>,
}

async fn comments(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    q: web::Query<VersionQuery>,
) -> ApiResult<HttpResponse> {
    let (token, asset) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    Ok(no_store().json(guest::list(&st, &a, asset, q.version_id).await?))
}

async fn one_comment(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (token, id) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    Ok(no_store().json(guest::one(&st, &a, id).await?))
}

async fn comment(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<NewCommentBody>,
) -> ApiResult<HttpResponse> {
    let (token, asset) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    let c = guest::create(&st, &a, asset, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(c))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignBody {
    version_id: Option<Uuid>,
}

async fn sign(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: Option<web::Json<SignBody>>,
) -> ApiResult<HttpResponse> {
    let (token, asset) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    let b = body.map(|b| b.into_inner()).unwrap_or_default();
    Ok(no_store().json(guest_review::sign(&st, &a, asset, b.version_id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DownloadQuery {
    version_id: Option<Uuid>,
    kind: String,
}

/// `GET .../assets/{id}/download?kind=proxy|original`: 303 to a 5-minute presigned URL, or
/// `{url}` when JSON is asked for (the page's script, which shows a refusal in words).
async fn download(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    q: web::Query<DownloadQuery>,
) -> ApiResult<HttpResponse> {
    let (token, asset) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    let url = download::download(&st, &a, asset, q.version_id, &q.kind).await?;
    let json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        return Ok(no_store().json(serde_json::json!({ "url": url })));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

async fn review(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (token, version) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    Ok(no_store().json(guest_review::review(&st, &a, version).await?))
}

async fn decide(
    req: HttpRequest,
    st: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: web::Json<DecisionBody>,
) -> ApiResult<HttpResponse> {
    let (token, version) = path.into_inner();
    let a = open_api(&req, &st, &token).await?;
    let r = guest_review::decide(&st, &a, version, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "review": r })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlayedBody {
    asset_id: Uuid,
    version_id: Option<Uuid>,
}

/// `POST .../activity {asset_id, version_id}`: the page says playback started.
async fn played(
    req: HttpRequest,
    st: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<PlayedBody>,
) -> ApiResult<HttpResponse> {
    let a = open_api(&req, &st, &token).await?;
    a.require_unlocked()?;
    let v = a.version(&st, body.asset_id, body.version_id).await?;
    activity::record(
        &st,
        &a,
        "played",
        Some(v.asset_id),
        Some(v.id),
        serde_json::json!({}),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

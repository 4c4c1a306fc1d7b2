//! `/api/tokens`: the caller's own API tokens.

use crate::auth::token::{self, TokenView};
use crate::auth::{Auth, perm};
use crate::db::models::api_tokens;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tokens", web::get().to(list))
        .route("/tokens", web::post().to(create))
        .route("/tokens/{id}", web::delete().to(revoke));
}

/// `GET /api/tokens`: the caller's live tokens, without secrets.
#[tracing::instrument(skip_all)]
async fn list(st: web::Data<AppState>, auth: Auth<perm::TokensManage>) -> ApiResult<HttpResponse> {
    let uid = auth.user.id;
    let rows = st
        .db
        .run(move |c| api_tokens::list_for_user(c, uid))
        .await?;
    let tokens: Vec<TokenView> = rows.iter().map(TokenView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "tokens": tokens })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    /// Scope names (`assets:read`, ...); default `["assets:read"]`.
    scopes: Option<Vec<String>>,
    /// Lifetime like `30d`; default 90 days.
    ttl: Option<String>,
}

#[derive(Serialize)]
struct Created {
    /// The whole token, shown this once.
    token: String,
    #[serde(flatten)]
    meta: TokenView,
}

/// `POST /api/tokens {name, scopes?, ttl?}` -> 201 `{token, id, ...}`.
#[tracing::instrument(skip_all)]
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::TokensManage>,
    body: web::Json<CreateBody>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let (row, secret) =
        token::create(&st, &auth, &b.name, b.scopes.as_deref(), b.ttl.as_deref()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Created {
            token: secret,
            meta: TokenView::from(&row),
        }))
}

/// `DELETE /api/tokens/{id}` -> 204.
#[tracing::instrument(skip_all, fields(token_id = %id))]
async fn revoke(
    st: web::Data<AppState>,
    auth: Auth<perm::TokensManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    token::revoke_by(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

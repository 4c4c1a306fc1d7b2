//! `/api/tokens`: the caller's own API tokens.

use super::openapi::{BadBody, BadInput, Denied, Missing};
use crate::auth::token::{self, TokenView};
use crate::auth::{Auth, perm};
use crate::db::models::api_tokens;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(revoke);
}

#[derive(Serialize, ToSchema)]
struct Tokens {
    tokens: Vec<TokenView>,
}

/// `GET /api/tokens`: the caller's live tokens, without secrets.
#[utoipa::path(
    operation_id = "tokens_list",
    tag = "tokens",
    responses((status = 200, description = "The caller's tokens.", body = Tokens), Denied),
    security(("session" = []), ("bearer" = ["tokens:manage"])),
)]
#[get("/tokens")]
#[tracing::instrument(skip_all)]
async fn list(st: web::Data<AppState>, auth: Auth<perm::TokensManage>) -> ApiResult<HttpResponse> {
    let uid = auth.user.id;
    let rows = st
        .db
        .run(move |c| api_tokens::list_for_user(c, uid))
        .await?;
    let tokens: Vec<TokenView> = rows.iter().map(TokenView::from).collect();
    Ok(HttpResponse::Ok().json(Tokens { tokens }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    /// Scope names (`assets:read`, ...); default `["assets:read"]`.
    scopes: Option<Vec<String>>,
    /// Lifetime like `30d`; default 90 days.
    ttl: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Created {
    /// The whole token, shown this once.
    token: String,
    #[serde(flatten)]
    meta: TokenView,
}

/// `POST /api/tokens {name, scopes?, ttl?}` -> 201 `{token, id, ...}`.
#[utoipa::path(
    operation_id = "tokens_create",
    tag = "tokens",
    responses((status = 201, description = "The token, its secret shown this once.", body = Created), BadBody, Denied),
    security(("session" = [], "csrf" = []), ("bearer" = ["tokens:manage"])),
)]
#[post("/tokens")]
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
#[utoipa::path(
    operation_id = "tokens_revoke",
    tag = "tokens",
    responses((status = 204, description = "Revoked."), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["tokens:manage"])),
)]
#[delete("/tokens/{id}")]
#[tracing::instrument(skip_all, fields(token_id = %id))]
async fn revoke(
    st: web::Data<AppState>,
    auth: Auth<perm::TokensManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    token::revoke_by(&st, &auth, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

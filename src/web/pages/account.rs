//! `/account/tokens`: create, list and revoke one's own API tokens.

use super::Layout;
use crate::auth::token::{self, TokenView};
use crate::auth::{Caller, PageAuth, PageForm, perm};
use crate::db::models::api_tokens;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/tokens", web::get().to(list))
        .route("/account/tokens", web::post().to(create))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke));
}

struct Row {
    id: Uuid,
    name: String,
    prefix: String,
    scopes: Vec<String>,
    expires: String,
    expired: bool,
    last_used: String,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    layout: Layout,
    csrf_token: String,
    /// (scope, checked by default)
    scopes: Vec<(&'static str, bool)>,
    tokens: Vec<Row>,
    created: Option<String>,
    error: Option<String>,
}

fn day(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

async fn render(
    req: &HttpRequest,
    st: &AppState,
    caller: &Caller,
    status: StatusCode,
    created: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let uid = caller.user.id;
    let rows = st
        .db
        .run(move |c| api_tokens::list_for_user(c, uid))
        .await?;
    let tokens = rows
        .iter()
        .map(TokenView::from)
        .map(|t| Row {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t.scopes,
            expires: day(t.expires_at),
            expired: t.expired,
            last_used: t.last_used_at.map_or("never".into(), day),
        })
        .collect();
    let page = TokensPage {
        layout: Layout::new(req, Some(caller)).in_section("admin"),
        csrf_token: caller.csrf_token().unwrap_or_default().to_string(),
        scopes: caller
            .permissions
            .iter()
            .map(|p| (p.as_scope(), *p == crate::auth::Permission::AssetsRead))
            .collect(),
        tokens,
        created,
        error,
    };
    let mut resp = page.layout.respond(&page, status);
    // The page may hold a token shown once: never cache it.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

async fn list(
    req: HttpRequest,
    st: web::Data<AppState>,
    page: PageAuth<perm::TokensManage>,
) -> Result<HttpResponse, AppError> {
    render(&req, &st, &page, StatusCode::OK, None, None).await
}

/// The form's fields: `name`, `ttl`, and a checkbox `scope_<scope>` per scope.
async fn create(
    req: HttpRequest,
    st: web::Data<AppState>,
    form: PageForm<perm::TokensManage, BTreeMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let f = &form.form;
    let scopes: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix("scope_"))
        .map(str::to_string)
        .collect();
    let name = f.get("name").map_or("", String::as_str);
    let ttl = f.get("ttl").map(String::as_str);
    match token::create(&st, &form.caller, name, Some(&scopes), ttl).await {
        Ok((_, secret)) => {
            render(
                &req,
                &st,
                &form.caller,
                StatusCode::CREATED,
                Some(secret),
                None,
            )
            .await
        }
        Err(e) if e.status_code().is_client_error() => {
            render(
                &req,
                &st,
                &form.caller,
                e.status_code(),
                None,
                Some(e.public_message()),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn revoke(
    st: web::Data<AppState>,
    id: web::Path<Uuid>,
    form: PageForm<perm::TokensManage, BTreeMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    token::revoke_by(&st, &form.caller, id.into_inner()).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/account/tokens"))
        .finish())
}

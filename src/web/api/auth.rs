//! `/api/auth/*`: login, logout (this credential or every session), and who am I.

use super::openapi::{BadBody, Busy, Denied};
use crate::auth::accounts::{self, Attempt, UserView};
use crate::auth::extract::client_ip;
use crate::auth::password::Password;
use crate::auth::{Auth, AuthMethod, perm, session};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(logout_all)
        .service(me);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    #[schema(value_type = String)]
    password: Password,
}

#[derive(Serialize, ToSchema)]
struct SignedIn {
    user: UserView,
    /// Echo it in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE this session makes.
    csrf_token: String,
}

/// `POST /api/auth/login {email, password}`: sets the `mm_session` cookie.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    responses(
        (status = 200, description = "Signed in: the `mm_session` cookie is set.", body = SignedIn),
        BadBody, Denied, Busy,
    ),
)]
#[post("/auth/login")]
#[tracing::instrument(skip_all)]
async fn login(
    req: HttpRequest,
    st: web::Data<AppState>,
    body: web::Json<LoginBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let done = accounts::login(
        &st,
        Attempt {
            email: body.email,
            password: body.password,
            ip: client_ip(&req, st.config.auth.client_ip_header.as_deref()),
            user_agent: crate::web::pages::login::user_agent(&req),
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(session::cookie(&st.config.auth, &done.session.secret))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SignedIn {
            user: UserView::from(&done.user),
            csrf_token: done.session.csrf_token,
        }))
}

/// `POST /api/auth/logout`: ends the credential used (the session, or the bearer token).
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    responses((status = 204, description = "The credential used is ended."), Denied),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
)]
#[post("/auth/logout")]
#[tracing::instrument(skip_all)]
async fn logout(st: web::Data<AppState>, auth: Auth<perm::Any>) -> ApiResult<HttpResponse> {
    accounts::logout(&st, &auth).await?;
    let mut resp = HttpResponse::NoContent();
    if matches!(auth.method, AuthMethod::Session { .. }) {
        resp.cookie(session::removal_cookie(&st.config.auth));
    }
    Ok(resp.finish())
}

#[derive(Serialize, ToSchema)]
struct EndedAll {
    sessions_ended: usize,
}

/// `POST /api/auth/logout-all`: ends every session of the account, this one included.
#[utoipa::path(
    operation_id = "logout_all",
    tag = "auth",
    responses((status = 200, description = "Every session of the account is ended.", body = EndedAll), Denied),
    security(("session" = [], "csrf" = []), ("bearer" = [])),
)]
#[post("/auth/logout-all")]
#[tracing::instrument(skip_all)]
async fn logout_all(st: web::Data<AppState>, auth: Auth<perm::Any>) -> ApiResult<HttpResponse> {
    let n = accounts::logout_all(&st, &auth).await?;
    let mut resp = HttpResponse::Ok();
    if matches!(auth.method, AuthMethod::Session { .. }) {
        resp.cookie(session::removal_cookie(&st.config.auth));
    }
    Ok(resp.json(EndedAll { sessions_ended: n }))
}

#[derive(Serialize, ToSchema)]
struct Me {
    user: UserView,
    /// What this caller may do (for a token: its scopes within the role).
    permissions: Vec<&'static str>,
    /// `session` or `token`.
    via: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

/// `GET /api/auth/me`.
#[utoipa::path(
    operation_id = "me",
    tag = "auth",
    responses((status = 200, description = "The caller, with what it may do.", body = Me), Denied),
    security(("session" = []), ("bearer" = [])),
)]
#[get("/auth/me")]
async fn me(auth: Auth<perm::Any>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Me {
            user: UserView::from(&auth.user),
            permissions: auth.permissions.iter().map(|p| p.as_scope()).collect(),
            via: match auth.method {
                AuthMethod::Session { .. } => "session",
                AuthMethod::Token { .. } => "token",
            },
            csrf_token: auth.csrf_token().map(str::to_string),
        })
}

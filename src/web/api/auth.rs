//! `/api/auth/*`: login, logout (this credential or every session), and who am I.

use crate::auth::accounts::{self, Attempt, UserView};
use crate::auth::extract::client_ip;
use crate::auth::password::Password;
use crate::auth::{Auth, AuthMethod, perm, session};
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/logout-all", web::post().to(logout_all))
        .route("/auth/me", web::get().to(me));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: String,
    password: Password,
}

#[derive(Serialize)]
struct SignedIn {
    user: UserView,
    /// Echo it in `X-CSRF-Token` on every POST/PUT/PATCH/DELETE this session makes.
    csrf_token: String,
}

/// `POST /api/auth/login {email, password}`: sets the `mm_session` cookie.
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
#[tracing::instrument(skip_all)]
async fn logout(st: web::Data<AppState>, auth: Auth<perm::Any>) -> ApiResult<HttpResponse> {
    accounts::logout(&st, &auth).await?;
    let mut resp = HttpResponse::NoContent();
    if matches!(auth.method, AuthMethod::Session { .. }) {
        resp.cookie(session::removal_cookie(&st.config.auth));
    }
    Ok(resp.finish())
}

#[derive(Serialize)]
struct EndedAll {
    sessions_ended: usize,
}

/// `POST /api/auth/logout-all`: ends every session of the account, this one included.
#[tracing::instrument(skip_all)]
async fn logout_all(st: web::Data<AppState>, auth: Auth<perm::Any>) -> ApiResult<HttpResponse> {
    let n = accounts::logout_all(&st, &auth).await?;
    let mut resp = HttpResponse::Ok();
    if matches!(auth.method, AuthMethod::Session { .. }) {
        resp.cookie(session::removal_cookie(&st.config.auth));
    }
    Ok(resp.json(EndedAll { sessions_ended: n }))
}

#[derive(Serialize)]
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

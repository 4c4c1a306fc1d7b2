//! `/r/<token>`: the guest's page and, under `/r/<token>/api/...`, the guest's JSON API. No
//! account: the link's token names the share, the `mm_guest` cookie (scoped to the link's path)
//! the guest. See `crate::shares` for what each route may reach.

mod api;
mod page;

use crate::error::AppError;
use crate::shares::access::{self, Access, Closed};
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/r/{token}", web::get().to(page::page))
        .service(web::scope("/r/{token}/api").configure(api::configure));
}

/// The share and guest of a request, or why the link is closed.
pub(crate) async fn open(
    req: &HttpRequest,
    st: &AppState,
    token: &str,
) -> Result<Result<Access, Closed>, AppError> {
    let ip = crate::auth::extract::client_ip(req, st.config.auth.client_ip_header.as_deref());
    let cookie = req.cookie(access::COOKIE);
    access::open(st, token, cookie.as_ref().map(|c| c.value()), ip).await
}

/// The same, with a closed link as its JSON error (404 or 410).
pub(crate) async fn open_api(
    req: &HttpRequest,
    st: &AppState,
    token: &str,
) -> Result<Access, AppError> {
    open(req, st, token).await?.map_err(Closed::error)
}

/// Sets the guest's cookie (a new secret) on `res`, for this link's path only.
pub(crate) fn set_cookie(st: &AppState, token: &str, secret: &str, res: &mut HttpResponse) {
    let c = Cookie::build(access::COOKIE, secret.to_string())
        .path(format!("/r/{token}"))
        .http_only(true)
        // Lax: the first visit from an email link is a cross-site navigation.
        .same_site(SameSite::Lax)
        .secure(st.config.auth.cookie_secure)
        .max_age(actix_web::cookie::time::Duration::days(30))
        .finish();
    if let Err(e) = res.add_cookie(&c) {
        tracing::warn!(error = %e, "guest cookie not set");
    }
}

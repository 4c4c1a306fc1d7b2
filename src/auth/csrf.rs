//! CSRF protection. A signed-in browser's session row holds a random token that every
//! state-changing request it authenticates must echo: in the `X-CSRF-Token` header (page
//! scripts) or the `csrf_token` form field (pages). Forms shown before there is a session
//! (login, setup) use a double-submit cookie instead.

use crate::auth::{ct_eq, random_token};
use crate::config::AuthConfig;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;

pub const HEADER: &str = "x-csrf-token";
/// The double-submit cookie of the login and setup forms.
pub const PRE_SESSION_COOKIE: &str = "mm_csrf";

/// Methods that change something and therefore need the token.
pub fn is_state_changing(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether `given` is the session's token, compared in constant time.
pub fn matches(expected: &str, given: Option<&str>) -> bool {
    given.is_some_and(|g| !expected.is_empty() && ct_eq(expected.as_bytes(), g.as_bytes()))
}

pub fn header_token(req: &HttpRequest) -> Option<&str> {
    req.headers().get(HEADER).and_then(|v| v.to_str().ok())
}

/// The pre-session token for a login or setup form: the browser's current one, or a new one
/// with the cookie that carries it.
pub fn pre_session_token(req: &HttpRequest, cfg: &AuthConfig) -> (String, Option<Cookie<'static>>) {
    if let Some(c) = req.cookie(PRE_SESSION_COOKIE)
        && c.value().len() == 43
    {
        return (c.value().to_string(), None);
    }
    let token = random_token(32).unwrap_or_default();
    let cookie = Cookie::build(PRE_SESSION_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(cfg.cookie_secure)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Whether a login or setup form carries the token of its browser's cookie.
pub fn pre_session_ok(req: &HttpRequest, form_token: &str) -> bool {
    req.cookie(PRE_SESSION_COOKIE)
        .is_some_and(|c| matches(c.value(), Some(form_token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_methods_need_no_token() {
        assert!(!is_state_changing(&Method::GET));
        assert!(!is_state_changing(&Method::HEAD));
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_state_changing(&m), "{m}");
        }
    }

    #[test]
    fn tokens_must_match_exactly() {
        assert!(matches("abc", Some("abc")));
        assert!(!matches("abc", Some("abd")));
        assert!(!matches("abc", None));
        assert!(!matches("", Some("")), "an empty token never matches");
    }
}

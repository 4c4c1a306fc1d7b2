//! The one extractor every handler uses to say what it needs; the access check lives here and
//! nowhere else.
//!
//! ```ignore
//! use crate::auth::{Auth, PageAuth, PageForm, MaybeUser, perm};
//!
//! // JSON: 401 `{code, message}` without valid credentials, 403 without the permission.
//! async fn update_asset(auth: Auth<perm::AssetsWrite>, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
//!     // The caller is signed in (cookie or `Authorization: Bearer`), active right now, allowed
//!     // `assets:write` by role (and by scope, for a token), and a cookie-authenticated
//!     // POST/PUT/PATCH/DELETE carried the session's `X-CSRF-Token`.
//!     audit::record(&state.db, Entry::by(&auth, "asset.update").target("asset", id)).await?;
//!     ...
//! }
//! // Pages (`auth::page`): redirect to `/login?next=<this page>` instead of 401.
//! async fn library(page: PageAuth<perm::AssetsRead>) -> HttpResponse { ... page.csrf_token() ... }
//! // Page forms: also checks the hidden `csrf_token` field, then hands over the parsed form.
//! async fn save(form: PageForm<perm::AssetsWrite, SaveForm>) -> HttpResponse { form.caller; form.form }
//! // Pages open to everyone that show who is signed in: never refuses.
//! async fn home(user: MaybeUser) -> HttpResponse { if let Some(c) = &user.0 { ... } }
//! ```
//!
//! `perm::Any` asks only for a signed-in caller. A disabled user's sessions and tokens stop
//! working on their next request, because the user's status is read on every request.

use crate::auth::{Permission, User, UserStatus, csrf, session, token};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;
use std::ops::Deref;
use uuid::Uuid;

/// The permission markers handlers name in `Auth<P>`.
pub mod perm {
    use crate::auth::Permission;

    /// A permission a route can require.
    pub trait Perm: 'static {
        /// `None`: any signed-in caller.
        const NEEDS: Option<Permission>;
    }

    macro_rules! markers {
        ($($(#[$doc:meta])* $name:ident => $needs:expr;)*) => {$(
            $(#[$doc])*
            pub struct $name;
            impl Perm for $name {
                const NEEDS: Option<Permission> = $needs;
            }
        )*};
    }

    markers! {
        /// Any signed-in, active caller.
        Any => None;
        AssetsRead => Some(Permission::AssetsRead);
        AssetsWrite => Some(Permission::AssetsWrite);
        AssetsDelete => Some(Permission::AssetsDelete);
        AssetsDownload => Some(Permission::AssetsDownload);
        UploadsCreate => Some(Permission::UploadsCreate);
        PreviewsSign => Some(Permission::PreviewsSign);
        UsersManage => Some(Permission::UsersManage);
        TokensManage => Some(Permission::TokensManage);
        AuditRead => Some(Permission::AuditRead);
        CommentsWrite => Some(Permission::CommentsWrite);
        ReviewDecide => Some(Permission::ReviewDecide);
        CommentsModerate => Some(Permission::CommentsModerate);
        WebhooksManage => Some(Permission::WebhooksManage);
        SharesManage => Some(Permission::SharesManage);
    }
}

use perm::Perm;

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum AuthMethod {
    /// A browser session: its id (SHA-256 of the cookie secret) and CSRF token.
    Session { id: Vec<u8>, csrf_token: String },
    /// An API token.
    Token { id: Uuid },
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub method: AuthMethod,
    /// What this caller may do: the role's permissions, cut to the token's scopes for tokens.
    pub permissions: Vec<Permission>,
    /// The client address (see `MM_CLIENT_IP_HEADER`).
    pub ip: Option<String>,
}

impl Caller {
    pub fn can(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// The session's CSRF token, for forms and page scripts; `None` for token callers.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.method {
            AuthMethod::Session { csrf_token, .. } => Some(csrf_token),
            AuthMethod::Token { .. } => None,
        }
    }
}

/// Why a request was refused.
#[derive(Debug)]
pub(super) enum Denied {
    /// No credentials, or ones that are malformed, unknown, expired, revoked or disabled.
    Unauthenticated(&'static str),
    Forbidden(Permission),
    MissingScope(Permission),
    Csrf,
    Failed(AppError),
}

impl From<AppError> for Denied {
    fn from(e: AppError) -> Self {
        Denied::Failed(e)
    }
}

impl Denied {
    pub(super) fn into_api(self) -> AppError {
        match self {
            Denied::Unauthenticated(m) => AppError::unauthorized(m),
            Denied::Forbidden(p) => {
                AppError::forbidden(format!("Your role does not allow this ({p})."))
            }
            Denied::MissingScope(p) => AppError::client(
                StatusCode::FORBIDDEN,
                "insufficient-scope",
                format!("This token lacks the scope {p}."),
            ),
            Denied::Csrf => AppError::client(
                StatusCode::FORBIDDEN,
                "csrf-token-invalid",
                "Missing or wrong CSRF token: send the session's token in X-CSRF-Token.",
            ),
            Denied::Failed(e) => e,
        }
    }
}

/// The client's address: the TCP peer, or the header a trusted proxy sets when configured.
pub fn client_ip(req: &HttpRequest, header_name: Option<&str>) -> Option<String> {
    let from_header = header_name.and_then(|h| {
        let v = req.headers().get(h)?.to_str().ok()?;
        // X-Forwarded-For lists hops; the proxy appends the address it saw last.
        let last = v.rsplit(',').next()?.trim();
        last.parse::<std::net::IpAddr>().ok()
    });
    // Without the header the request did not come through the proxy: use the peer.
    from_header
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .map(|ip| ip.to_string())
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Denied> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Denied::Failed(anyhow::anyhow!("AppState missing on this role").into()))
}

fn bearer(req: &HttpRequest) -> Option<Result<String, Denied>> {
    let v = req.headers().get(header::AUTHORIZATION)?;
    let parsed = v.to_str().ok().and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| rest.trim().to_string())
    });
    Some(parsed.ok_or(Denied::Unauthenticated(
        "The Authorization header must be `Bearer <token>`.",
    )))
}

/// Who is calling, from `Authorization: Bearer` (when `bearer_ok`) or the session cookie.
pub(super) async fn identify(req: &HttpRequest, bearer_ok: bool) -> Result<Option<Caller>, Denied> {
    let st = state(req)?;
    let cfg = &st.config.auth;
    let ip = client_ip(req, cfg.client_ip_header.as_deref());
    if bearer_ok && let Some(raw) = bearer(req) {
        let raw = raw?;
        let (tok, user) = match token::resolve(&st.db, &raw).await.map_err(AppError::from)? {
            Ok(found) => found,
            Err(why) => {
                tracing::info!(reason = ?why, "API token refused");
                return Err(Denied::Unauthenticated("Invalid or expired API token."));
            }
        };
        if user.status != UserStatus::Active {
            return Err(Denied::Unauthenticated("This account is disabled."));
        }
        let permissions = token::effective(&tok, &user);
        return Ok(Some(Caller {
            user,
            method: AuthMethod::Token { id: tok.id },
            permissions,
            ip,
        }));
    }
    let Some(cookie) = req.cookie(session::COOKIE) else {
        return Ok(None);
    };
    let Some((sess, user)) = session::resolve(&st.db, cfg, cookie.value())
        .await
        .map_err(AppError::from)?
    else {
        return Err(Denied::Unauthenticated(
            "Your session has ended; sign in again.",
        ));
    };
    if user.status != UserStatus::Active {
        return Err(Denied::Unauthenticated("This account is disabled."));
    }
    let permissions = crate::auth::permissions_of(user.role).to_vec();
    Ok(Some(Caller {
        user,
        method: AuthMethod::Session {
            id: sess.id,
            csrf_token: sess.csrf_token,
        },
        permissions,
        ip,
    }))
}

/// The signed-in caller of `req`, if any, without checking a permission (for middleware that
/// keys state by user, like Idempotency-Key; the handler's `Auth<P>` still decides).
pub async fn caller_of(req: &HttpRequest) -> Option<Caller> {
    identify(req, true).await.ok().flatten()
}

/// Whether `caller` may make this request: the permission, and CSRF for cookie callers.
pub(super) fn authorize(
    caller: &Caller,
    needs: Option<Permission>,
    req: &HttpRequest,
    form_csrf: Option<&str>,
) -> Result<(), Denied> {
    if let AuthMethod::Session { csrf_token, .. } = &caller.method
        && csrf::is_state_changing(req.method())
        && !csrf::matches(csrf_token, csrf::header_token(req))
        && !csrf::matches(csrf_token, form_csrf)
    {
        return Err(Denied::Csrf);
    }
    if let Some(p) = needs
        && !caller.can(p)
    {
        return Err(match caller.method {
            AuthMethod::Token { .. } if caller.user.role.can(p) => Denied::MissingScope(p),
            _ => Denied::Forbidden(p),
        });
    }
    Ok(())
}

/// An API caller allowed `P`: session cookie or bearer token. Derefs to [`Caller`].
pub struct Auth<P: Perm>(pub Caller, PhantomData<fn() -> P>);

impl<P: Perm> Deref for Auth<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Perm> FromRequest for Auth<P> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = identify(&req, true)
                .await
                .map_err(Denied::into_api)?
                .ok_or_else(|| {
                    AppError::unauthorized("Sign in, or send `Authorization: Bearer <token>`.")
                })?;
            authorize(&caller, P::NEEDS, &req, None).map_err(Denied::into_api)?;
            Ok(Auth(caller, PhantomData))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_comes_from_the_configured_header_only() {
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.7"))
            .to_http_request();
        assert_eq!(client_ip(&req, None).as_deref(), Some("10.0.0.9"));
        assert_eq!(
            client_ip(&req, Some("x-forwarded-for")).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(
            client_ip(&req, Some("do-connecting-ip")).as_deref(),
            Some("10.0.0.9")
        );
    }
}

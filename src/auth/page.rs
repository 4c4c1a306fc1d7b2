//! The page side of access checks: `PageAuth<P>`, `PageForm<P, T>` and `MaybeUser` for askama
//! pages. Same rules as `Auth<P>` (see `extract`), by session cookie only; a visitor without a
//! session is sent to `/login?next=<this page>` instead of getting a 401.

use super::extract::{Caller, Denied, authorize, identify};
use super::perm::Perm;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use std::ops::Deref;

/// A refusal on a page: a redirect to the login page, or an HTML error page.
#[derive(Debug)]
pub struct PageDenied {
    status: StatusCode,
    login: Option<String>,
    message: String,
}

impl std::fmt::Display for PageDenied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for PageDenied {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse {
        match &self.login {
            Some(next) => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, login_url(next)))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
            None => crate::web::pages::error_page(self.status, &self.message),
        }
    }
}

/// `/login?next=<path>`, with the path percent-encoded.
pub fn login_url(next: &str) -> String {
    let enc: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={enc}")
}

fn page_denied(req: &HttpRequest, d: Denied) -> PageDenied {
    match d {
        Denied::Unauthenticated(_) => {
            // A failed form post comes back to the page, not to a URL only POST answers.
            let next = if req.method() == actix_web::http::Method::GET {
                req.uri()
                    .path_and_query()
                    .map_or(req.path().to_string(), |pq| pq.as_str().to_string())
            } else {
                req.path().to_string()
            };
            PageDenied {
                status: StatusCode::SEE_OTHER,
                login: Some(next),
                message: "Sign in to continue.".into(),
            }
        }
        other => {
            let e = other.into_api();
            PageDenied {
                status: e.status_code(),
                login: None,
                message: e.public_message(),
            }
        }
    }
}

async fn page_caller(req: &HttpRequest) -> Result<Caller, Denied> {
    identify(req, false)
        .await?
        .ok_or(Denied::Unauthenticated("Sign in to continue."))
}

/// A page visitor allowed `P`, by session cookie only. Refusals redirect to the login page
/// (and back afterwards) or show an error page. Derefs to [`Caller`].
pub struct PageAuth<P: Perm>(pub Caller, PhantomData<fn() -> P>);

impl<P: Perm> Deref for PageAuth<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<P: Perm> FromRequest for PageAuth<P> {
    type Error = PageDenied;
    type Future = LocalBoxFuture<'static, Result<Self, PageDenied>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = page_caller(&req).await.map_err(|d| page_denied(&req, d))?;
            authorize(&caller, P::NEEDS, &req, None).map_err(|d| page_denied(&req, d))?;
            Ok(PageAuth(caller, PhantomData))
        })
    }
}

#[derive(serde::Deserialize)]
struct WithCsrf<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    inner: T,
}

/// A page form post by a visitor allowed `P`, whose hidden `csrf_token` field matches the
/// session's; `form` is the rest of the urlencoded body.
pub struct PageForm<P: Perm, T> {
    pub caller: Caller,
    pub form: T,
    _p: PhantomData<fn() -> P>,
}

impl<P: Perm, T: DeserializeOwned + 'static> FromRequest for PageForm<P, T> {
    type Error = PageDenied;
    type Future = LocalBoxFuture<'static, Result<Self, PageDenied>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        // Built now (it borrows the payload), read only once the caller is known.
        let body = web::Form::<WithCsrf<T>>::from_request(&req, payload);
        Box::pin(async move {
            let caller = page_caller(&req).await.map_err(|d| page_denied(&req, d))?;
            let form = body.await.map_err(|e| PageDenied {
                status: StatusCode::BAD_REQUEST,
                login: None,
                message: format!("The form could not be read: {e}"),
            })?;
            let form = form.into_inner();
            authorize(&caller, P::NEEDS, &req, Some(&form.csrf_token))
                .map_err(|d| page_denied(&req, d))?;
            Ok(PageForm {
                caller,
                form: form.inner,
                _p: PhantomData,
            })
        })
    }
}

/// The signed-in visitor, if any (session cookie only). Never refuses for want of a session;
/// only a database outage fails it.
pub struct MaybeUser(pub Option<Caller>);

impl FromRequest for MaybeUser {
    type Error = PageDenied;
    type Future = LocalBoxFuture<'static, Result<Self, PageDenied>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match identify(&req, false).await {
                Ok(c) => Ok(MaybeUser(c)),
                Err(Denied::Unauthenticated(_)) => Ok(MaybeUser(None)),
                Err(d) => Err(page_denied(&req, d)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_encodes_next() {
        assert_eq!(login_url("/a?b=c&d"), "/login?next=%2Fa%3Fb%3Dc%26d");
    }
}

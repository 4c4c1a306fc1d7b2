//! `GET|HEAD|OPTIONS /s/...`: check the signature (token or original form), normalize the
//! object path, check it lies within the grant, then hand over to delivery.

use super::EdgeState;
use super::path::{PathError, normalize};
use crate::error::AppError;
use crate::metrics::RouteLabel;
use crate::signing::{self, Grant, VerifyError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};

/// Sandbox anything a browser might render from the edge, and let players on other origins
/// embed what their token allows.
const CSP: &str = "default-src 'none'; sandbox";
/// The route label of every answer under `/s/` in the request metrics.
pub const ROUTE: &str = "/s/{token}/{path}";

pub async fn serve(req: HttpRequest, state: web::Data<EdgeState>) -> HttpResponse {
    req.extensions_mut().insert(RouteLabel(ROUTE));
    let mut res = match *req.method() {
        Method::GET | Method::HEAD => match authorize(&req, &state) {
            Ok(path) => state.deliver(&req, &path).await,
            Err(e) => Err(e),
        }
        .unwrap_or_else(|e| e.error_response()),
        Method::OPTIONS => {
            let res = state.cors.preflight(&req);
            state.count(res.status());
            return res;
        }
        _ => {
            let mut res = AppError::client(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "The edge answers GET, HEAD and OPTIONS.",
            )
            .error_response();
            res.headers_mut().insert(
                header::ALLOW,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            res
        }
    };
    state.cors.decorate(&req, &mut res);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    state.count(res.status());
    res
}

/// The storage key the request may read, or why not. The raw URI path is used (never a
/// decoded form), so that decoding happens exactly once, in `normalize`.
fn authorize(req: &HttpRequest, state: &EdgeState) -> Result<String, AppError> {
    let raw = req.uri().path().strip_prefix("/s/").unwrap_or_default();
    let now = signing::now();
    let (grant, path) = match legacy_query(req.uri().query()) {
        Some((exp, sig)) => {
            let path = normalize(raw).map_err(|e| state.refuse_path(e))?;
            let grant = state
                .signer
                .verify_legacy(&path, exp, sig, now)
                .map_err(|e| state.refuse(e))?;
            (grant, path)
        }
        None => {
            let (token, rest) = raw.split_once('/').unwrap_or((raw, ""));
            let grant = state
                .signer
                .verify(token, now)
                .map_err(|e| state.refuse(e))?;
            let path = normalize(rest).map_err(|e| state.refuse_path(e))?;
            (grant, path)
        }
    };
    check_scope(&grant, &path).inspect_err(|_| state.fail("out-of-scope"))?;
    Ok(path)
}

fn check_scope(grant: &Grant, path: &str) -> Result<(), AppError> {
    if grant.allows(path) {
        return Ok(());
    }
    Err(AppError::client(
        StatusCode::FORBIDDEN,
        "out-of-scope",
        "This link does not grant access to that object.",
    ))
}

/// `exp` and `sig` of the original form, when the query carries a `sig`.
fn legacy_query(query: Option<&str>) -> Option<(&str, &str)> {
    let (mut exp, mut sig) = (None, None);
    for pair in query?.split('&') {
        match pair.split_once('=') {
            Some(("exp", v)) => exp = Some(v),
            Some(("sig", v)) => sig = Some(v),
            _ => {}
        }
    }
    Some((exp.unwrap_or(""), sig?))
}

impl EdgeState {
    fn fail(&self, reason: &str) {
        self.edge_metrics
            .verify_failures
            .with_label_values(&[reason])
            .inc();
    }

    fn refuse(&self, e: VerifyError) -> AppError {
        self.fail(e.reason());
        let (status, code) = match e {
            VerifyError::Malformed => (StatusCode::BAD_REQUEST, "malformed-token"),
            VerifyError::UnknownKey => (StatusCode::FORBIDDEN, "unknown-key"),
            VerifyError::BadSignature => (StatusCode::FORBIDDEN, "bad-signature"),
            VerifyError::Expired => (StatusCode::FORBIDDEN, "expired"),
        };
        AppError::client(status, code, e.to_string())
    }

    fn refuse_path(&self, e: PathError) -> AppError {
        match e {
            PathError::Directory => AppError::not_found(e.to_string()),
            PathError::Invalid(_) => {
                self.fail("bad-path");
                AppError::bad_request("bad-path", e.to_string())
            }
        }
    }

    fn count(&self, status: StatusCode) {
        self.edge_metrics
            .requests
            .with_label_values(&[status.as_str()])
            .inc();
    }
}

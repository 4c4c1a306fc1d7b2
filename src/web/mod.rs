//! HTTP: the middleware every role shares, and the routes of each role.

pub mod api;
pub mod assets;
pub mod csp;
pub mod edge;
pub mod guest;
pub mod pages;
pub mod span;
pub mod sse;

use crate::error::{AppError, ErrorBody};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

/// Adds `x-request-id` (the id tracing logs carry), the security headers every answer gets, and
/// `Server-Timing: total;dur=` (milliseconds from the request reaching the app to its answer's
/// headers, sign-in included) after what a handler reported of its own parts (`db`, `render`).
pub async fn response_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = actix_web::HttpMessage::extensions(&req)
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    let total = format!("total;dur={:.2}", started.elapsed().as_secs_f64() * 1000.0);
    let timing = match h.get(csp::SERVER_TIMING).and_then(|v| v.to_str().ok()) {
        Some(parts) => format!("{parts}, {total}"),
        None => total,
    };
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert(csp::SERVER_TIMING, v);
    }
    if let Some(id) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        h.insert(HeaderName::from_static("x-request-id"), id);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page with a credential in its URL (a share link) sets a stricter policy itself.
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}

/// The answer for a path no route matched: JSON under `/api`, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") || req.path().starts_with("/s/") {
        return HttpResponse::NotFound().json(ErrorBody {
            code: "not-found",
            message: "No such route.",
        });
    }
    pages::not_found_page(&req)
}

/// Helper for handlers returning JSON.
pub type ApiResult<T> = Result<T, AppError>;

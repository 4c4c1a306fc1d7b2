//! Friendly error pages: 404 for unknown pages, and the 5xx swap that replaces whatever body a
//! failing page produced (a JSON error, a panic's text) with a page that shows no internals.

use super::layout::{Layout, html};
use crate::error::AppError;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "errors/not_found.html")]
struct NotFound {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "errors/server_error.html")]
struct ServerError {
    layout: Layout,
    unavailable: bool,
    request_id: String,
}

#[derive(Template)]
#[template(path = "errors/refused.html")]
struct Refused<'a> {
    layout: Layout,
    title: &'a str,
    message: &'a str,
}

/// A page saying why a request was refused (403 and other 4xx), in the server's words.
pub fn error_page(status: StatusCode, message: &str) -> HttpResponse {
    let page = Refused {
        layout: Layout::detached(),
        title: status.canonical_reason().unwrap_or("Error"),
        message,
    };
    let mut res = html(page.render(), status);
    res.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    res
}

pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    let page = NotFound {
        layout: Layout::bare(req),
    };
    html(page.render(), StatusCode::NOT_FOUND)
}

/// Whether a path belongs to a JSON or machine client, whose errors stay as they are.
pub fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/s/")
        || path.starts_with("/static/")
        || (path.starts_with("/r/") && path.contains("/api/"))
        || matches!(path, "/metrics" | "/health")
}

/// The middleware: every 5xx on a page route becomes the friendly page, with the same status.
pub fn error_pages<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler_server(swap_server_error)
}

fn swap_server_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let req = res.request();
    let wants_html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        // Event streams and fetches from page scripts are not navigations.
        .is_none_or(|a| !a.starts_with("text/event-stream"));
    if is_machine_path(req.path()) || !wants_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            actix_web::HttpMessage::extensions(req)
                .get::<tracing_actix_web::RequestId>()
                .map(|id| id.to_string())
        })
        .unwrap_or_default();
    let page = ServerError {
        layout: Layout::bare(req),
        unavailable: status == StatusCode::SERVICE_UNAVAILABLE,
        request_id,
    };
    let mut new = html(page.render(), status);
    if let Some(retry) = res.headers().get(actix_web::http::header::RETRY_AFTER) {
        new.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, retry.clone());
    }
    let new: HttpResponse<BoxBody> = new;
    let res: ServiceResponse<EitherBody<B, BoxBody>> = res.into_response(new).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// An error on a page: shown as a page, not as JSON. 404 is the not-found page, other 4xx the
/// refusal page with the server's words, 5xx the usual logged error (which the middleware turns
/// into the friendly page).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl actix_web::ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.0.status_code();
        if status.is_server_error() {
            return self.0.error_response();
        }
        if status == StatusCode::NOT_FOUND {
            let page = NotFound {
                layout: Layout::detached(),
            };
            return html(page.render(), status);
        }
        error_page(status, &self.0.public_message())
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

//! Server-rendered pages (askama); one struct per page, templates in `templates/`.

mod account;
pub(crate) mod login;

use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    version: &'static str,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index));
    login::configure(cfg);
    account::configure(cfg);
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// An HTML error page with `status`; `message` is shown as is (escaped).
pub fn error_page(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    let title = status.canonical_reason().unwrap_or("Error");
    let mut resp = html(ErrorPage { title, message }.render(), status);
    resp.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    resp
}

pub(crate) fn html(
    body: Result<String, askama::Error>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    match body {
        Ok(b) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(b),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("Something went wrong on our side.")
        }
    }
}

async fn index() -> HttpResponse {
    html(
        Index {
            version: env!("CARGO_PKG_VERSION"),
        }
        .render(),
        actix_web::http::StatusCode::OK,
    )
}

pub fn not_found_page() -> HttpResponse {
    html(NotFound.render(), actix_web::http::StatusCode::NOT_FOUND)
}

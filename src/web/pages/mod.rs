//! Server-rendered pages (askama); one struct per page, templates in `templates/` extending
//! `base.html`. Pages call the same model functions as the JSON API, never the API over HTTP.

pub mod errors;
pub mod flash;
pub mod format;
pub mod layout;
pub mod library_query;
mod upload;

pub use errors::{error_pages, not_found_page};
pub use layout::{Layout, PageUser};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "index.html")]
struct Index {
    layout: Layout,
    version: &'static str,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/upload", web::get().to(upload::page));
}

async fn index(layout: Layout) -> HttpResponse {
    let page = Index {
        layout: layout.in_section("library"),
        version: env!("CARGO_PKG_VERSION"),
    };
    page.layout.respond(&page, StatusCode::OK)
}

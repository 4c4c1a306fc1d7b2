//! Server-rendered pages (askama); one struct per page, templates in `templates/` extending
//! `base.html`. Pages call the same model functions as the JSON API, never the API over HTTP.

mod account;
mod admin;
pub mod errors;
pub mod flash;
pub mod format;
pub mod layout;
pub mod library_query;
pub(crate) mod login;
mod upload;

pub use errors::{PageError, PageResult, error_page, error_pages, not_found_page};
pub use layout::{Layout, PageUser, html};

use crate::auth::{PageAuth, perm};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
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
    login::configure(cfg);
    account::configure(cfg);
    admin::configure(cfg);
}

async fn index(req: HttpRequest, page: PageAuth<perm::AssetsRead>) -> HttpResponse {
    let page = Index {
        layout: Layout::new(&req, Some(&page)).in_section("library"),
        version: env!("CARGO_PKG_VERSION"),
    };
    page.layout.respond(&page, StatusCode::OK)
}

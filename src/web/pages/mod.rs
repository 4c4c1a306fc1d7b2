//! Server-rendered pages (askama); one struct per page, templates in `templates/` extending
//! `base.html`. Pages call the same model functions as the JSON API, never the API over HTTP.

mod account;
mod admin;
mod asset;
pub(crate) mod clock;
mod compare;
pub mod errors;
pub mod flash;
pub mod format;
pub mod layout;
mod library;
pub mod library_query;
pub(crate) mod login;
pub(crate) mod player;
pub(crate) mod posters;
mod technical;
mod upload;
mod webhooks;

pub use errors::{PageError, PageResult, error_page, error_pages, not_found_page};
pub use layout::{Layout, PageUser, html};

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(library::page))
        .route("/upload", web::get().to(upload::page))
        .route("/assets/{id}", web::get().to(asset::page))
        .route("/assets/{id}/compare", web::get().to(compare::page))
        .route("/assets/{id}/download", web::get().to(asset::download));
    login::configure(cfg);
    account::configure(cfg);
    admin::configure(cfg);
    webhooks::configure(cfg);
    crate::web::guest::configure(cfg);
}

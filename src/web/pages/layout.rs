//! What every page shares: the signed-in user for the navigation, the flash notice, the CSRF
//! token for forms and scripts, and fingerprinted static URLs. Extracted once per request.

use super::flash::{self, Flash};
use crate::web::assets::StaticAssets;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use std::future::{Ready, ready};
use std::sync::Arc;

/// The signed-in person as the navigation shows them.
#[derive(Clone, Debug)]
pub struct PageUser {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub can_upload: bool,
    pub can_admin: bool,
}

pub struct Layout {
    assets: Arc<StaticAssets>,
    pub user: Option<PageUser>,
    pub flash: Option<Flash>,
    /// Sent back by forms (hidden field) and scripts (header); empty when signed out.
    pub csrf_token: String,
    /// Which navigation entry is the current page (`aria-current`).
    pub section: &'static str,
}

impl Layout {
    /// A layout for pages that must render whatever is down (errors): no user, no lookups.
    pub fn bare(req: &HttpRequest) -> Self {
        Self {
            assets: assets_of(req),
            user: None,
            flash: None,
            csrf_token: String::new(),
            section: "",
        }
    }

    pub fn asset(&self, name: &str) -> String {
        self.assets.url(name)
    }

    pub fn in_section(mut self, section: &'static str) -> Self {
        self.section = section;
        self
    }

    pub fn flash_kind(&self) -> &'static str {
        self.flash.as_ref().map_or("info", |f| f.kind.as_str())
    }

    /// The page as an HTML answer; clears the flash cookie it has just shown.
    pub fn respond(&self, page: &impl Template, status: StatusCode) -> HttpResponse {
        let mut res = html(page.render(), status);
        if self.flash.as_ref().is_some_and(|f| f.from_cookie) {
            flash::clear(&mut res);
        }
        res
    }
}

fn assets_of(req: &HttpRequest) -> Arc<StaticAssets> {
    req.app_data::<web::Data<StaticAssets>>()
        .map(|d| d.clone().into_inner())
        .unwrap_or_default()
}

impl FromRequest for Layout {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut layout = Layout::bare(req);
        layout.flash = flash::take(req);
        ready(Ok(layout))
    }
}

/// Renders a template; a template error is logged and becomes the plain 500 answer (the
/// error-page middleware then puts the friendly page in its place).
pub fn html(body: Result<String, askama::Error>, status: StatusCode) -> HttpResponse {
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

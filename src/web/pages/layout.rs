//! What every page shares: the signed-in user for the navigation, the flash notice, the CSRF
//! token for forms and scripts, and fingerprinted static URLs. Extracted once per request.

use super::flash::{self, Flash};
use crate::auth::{Caller, Permission};
use crate::web::assets::StaticAssets;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::sync::Arc;

/// The signed-in person as the navigation shows them.
#[derive(Clone, Debug)]
pub struct PageUser {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub can_upload: bool,
    /// Any admin page: people, or the audit log.
    pub can_admin: bool,
    pub can_manage_users: bool,
    pub can_read_audit: bool,
    pub can_manage_webhooks: bool,
}

impl PageUser {
    pub fn of(caller: &Caller) -> Self {
        PageUser {
            display_name: caller.user.display_name.clone(),
            email: caller.user.email.clone(),
            role: caller.user.role.as_str().to_string(),
            can_upload: caller.can(Permission::UploadsCreate),
            can_admin: caller.can(Permission::UsersManage) || caller.can(Permission::AuditRead),
            can_manage_users: caller.can(Permission::UsersManage),
            can_read_audit: caller.can(Permission::AuditRead),
            can_manage_webhooks: caller.can(Permission::WebhooksManage),
        }
    }
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
    /// The layout of a page for `caller` (None: a visitor who is not signed in), with the
    /// notice the request carries.
    pub fn new(req: &HttpRequest, caller: Option<&Caller>) -> Self {
        Self {
            assets: assets_of(req),
            user: caller.map(PageUser::of),
            flash: flash::take(req),
            csrf_token: caller
                .and_then(|c| c.csrf_token())
                .unwrap_or_default()
                .to_string(),
            section: "",
        }
    }

    /// A layout for answers built without the request (access refusals): plain static URLs,
    /// which are still served, revalidated by ETag.
    pub fn detached() -> Self {
        Self {
            assets: Arc::default(),
            user: None,
            flash: None,
            csrf_token: String::new(),
            section: "",
        }
    }

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
        if self.assets.is_empty() {
            return format!("/static/{name}");
        }
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

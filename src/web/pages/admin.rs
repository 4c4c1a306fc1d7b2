//! Admin pages: people and their roles (`/admin/users`) and the audit log (`/admin/audit`).
//! Changes go through the JSON API from static/js/admin.js, so its rules (the last admin stays,
//! every change is audited) live in one place; API tokens are the accounts area's page.

use super::format;
use super::layout::Layout;
use crate::auth::{PageAuth, Role, UserStatus, perm};
use crate::db::models::{audit, users};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home))
        .route("/admin/users", web::get().to(people))
        .route("/admin/audit", web::get().to(audit_log));
}

struct Person {
    id: String,
    display_name: String,
    email: String,
    role: &'static str,
    active: bool,
    is_me: bool,
    last_login: String,
    created: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct PeoplePage {
    layout: Layout,
    tab: &'static str,
    users: Vec<Person>,
    roles: Vec<&'static str>,
}

struct Entry {
    at: String,
    at_iso: String,
    actor: String,
    action: String,
    target: String,
    target_href: Option<String>,
    ip: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    layout: Layout,
    tab: &'static str,
    entries: Vec<Entry>,
    older_than: Option<i64>,
    older_url: Option<String>,
}

const AUDIT_PAGE: i64 = 100;

async fn home(caller: PageAuth<perm::AuditRead>) -> HttpResponse {
    let to = if caller.can(crate::auth::Permission::UsersManage) {
        "/admin/users"
    } else {
        "/admin/audit"
    };
    HttpResponse::SeeOther()
        .insert_header(("location", to))
        .finish()
}

async fn people(
    req: HttpRequest,
    caller: PageAuth<perm::UsersManage>,
    st: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let all = st.db.run(users::list).await?;
    let me = caller.user.id;
    let page = PeoplePage {
        layout: Layout::new(&req, Some(&caller)).in_section("admin"),
        tab: "users",
        users: all
            .iter()
            .map(|u| Person {
                id: u.id.to_string(),
                display_name: u.display_name.clone(),
                email: u.email.clone(),
                role: u.role.as_str(),
                active: u.status == UserStatus::Active,
                is_me: u.id == me,
                last_login: u.last_login_at.map_or("never".into(), format::datetime),
                created: format::date(u.created_at),
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<String>,
}

async fn audit_log(
    req: HttpRequest,
    caller: PageAuth<perm::AuditRead>,
    st: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    // A bad cursor shows the newest entries rather than an error page.
    let before = q
        .before
        .as_deref()
        .and_then(|b| b.parse::<i64>().ok())
        .filter(|b| *b > 0);
    let rows = st
        .db
        .run(move |c| audit::page(c, before, AUDIT_PAGE + 1))
        .await?;
    let more = rows.len() as i64 > AUDIT_PAGE;
    let rows = &rows[..rows.len().min(AUDIT_PAGE as usize)];
    let entries = rows
        .iter()
        .map(|r| {
            let target = match (&r.target_type, &r.target_id) {
                (Some(t), Some(id)) => format!("{t} {id}"),
                (Some(t), None) => t.clone(),
                _ => String::new(),
            };
            let target_href = match (r.target_type.as_deref(), &r.target_id) {
                (Some("asset"), Some(id)) if uuid::Uuid::parse_str(id).is_ok() => {
                    Some(format!("/assets/{id}"))
                }
                _ => None,
            };
            let details = match &r.details {
                serde_json::Value::Object(m) if m.is_empty() => String::new(),
                v => v.to_string(),
            };
            Entry {
                at: format::datetime(r.at),
                at_iso: format::iso(r.at),
                actor: r.actor_label.clone(),
                action: r.action.clone(),
                target,
                target_href,
                ip: r.ip.clone().unwrap_or_default(),
                details,
            }
        })
        .collect();
    let older_url = more
        .then(|| rows.last().map(|r| format!("/admin/audit?before={}", r.id)))
        .flatten();
    let page = AuditPage {
        layout: Layout::new(&req, Some(&caller)).in_section("admin"),
        tab: "audit",
        entries,
        older_than: before,
        older_url,
    };
    Ok(page.layout.respond(&page, StatusCode::OK))
}

//! Accounts, roles and access: the role-by-route matrix, sessions, CSRF, tokens, setup,
//! login limits, the audit log, and the operator CLI.

mod audit;
mod cli;
mod csrf;
mod login;
mod matrix;
mod matrix_routes;
mod matrix_rows;
mod pages;
mod sessions;
mod setup;
mod tokens;
mod users;

use reqwest::Response;

/// The value of the hidden `csrf_token` field in a page.
pub fn form_csrf(html: &str) -> String {
    let field = r#"name="csrf_token" value=""#;
    let start = html.find(field).expect("a csrf_token field") + field.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// The `mm_session` value a response sets, if any.
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers().get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let rest = v.strip_prefix("mm_session=")?;
        Some(rest.split(';').next().unwrap_or_default().to_string())
    })
}

/// The whole `Set-Cookie` line for `mm_session`.
pub fn session_cookie_line(r: &Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mm_session="))
        .unwrap_or_default()
        .to_string()
}

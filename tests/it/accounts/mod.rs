//! Accounts, roles and access: the role-by-route matrix, sessions, CSRF, tokens, setup,
//! login limits, the audit log, and the operator CLI.

mod audit;
mod cli;
mod csrf;
mod login;
mod matrix;
mod matrix_rows;
mod pages;
mod sessions;
mod setup;
mod tokens;
mod users;

use crate::harness::TestApp;
use mm::audit::Entry;
use mm::auth::accounts::{self, ValidAccount};
use mm::auth::password::{self, Password};
use mm::auth::{Permission, Role, token};
use mm::db::models::users::User;
use reqwest::{Client, Method, Response};
use serde_json::Value;
use std::sync::LazyLock;

pub const PASSWORD: &str = "correct horse battery staple";

/// One argon2id hash of PASSWORD, shared by seeded users so seeding costs no hashing.
static HASH: LazyLock<String> = LazyLock::new(|| {
    password::hash_blocking(&Password::new(PASSWORD), mm::config::ARGON2_MIN_MEMORY_KIB)
        .expect("hash")
});

/// Creates an active user with PASSWORD, as the API would.
pub fn seed_user(app: &TestApp, email: &str, role: Role) -> User {
    let account = ValidAccount {
        email: email.to_string(),
        display_name: email.split('@').next().unwrap().to_string(),
        role,
        password: Password::new(PASSWORD),
    };
    accounts::insert_user(
        &mut app.db.conn(),
        &account,
        &HASH,
        Entry::system("test", "user.create"),
    )
    .expect("seed user")
}

/// A token for `user` with exactly `scopes` (even ones the role lacks), for `ttl_secs`.
pub fn seed_token(
    app: &TestApp,
    user: &User,
    scopes: &[Permission],
    ttl_secs: u64,
) -> (uuid::Uuid, String) {
    let spec = token::Spec {
        name: "test".into(),
        scopes: scopes.to_vec(),
        ttl_secs,
    };
    let (row, secret) = token::create_in(
        &mut app.db.conn(),
        user,
        &spec,
        Entry::system("test", "token.create"),
    )
    .expect("seed token");
    (row.id, secret)
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A signed-in browser: its own cookie jar and the session's CSRF token.
pub struct Browser {
    pub client: Client,
    pub csrf: String,
    pub user: Value,
}

impl Browser {
    /// Sends a request as this browser, with the CSRF header on state-changing methods.
    pub async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD);
        let mut rb = self.client.request(method, app.url(path));
        if unsafe_method {
            rb = rb.header("x-csrf-token", &self.csrf);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        rb.send().await.unwrap()
    }
}

/// Signs in through `POST /api/auth/login`; panics unless it succeeds.
pub async fn login(app: &TestApp, email: &str) -> Browser {
    let client = new_client();
    let r = client
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "login of {email}: {body}");
    Browser {
        client,
        csrf: body["csrf_token"].as_str().unwrap().to_string(),
        user: body["user"].clone(),
    }
}

/// Status and JSON body (Null when the body is not JSON).
pub async fn parts(r: Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Runs one SQL query returning a count.
pub fn count(app: &TestApp, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut app.db.conn())
        .unwrap()
        .n
}

/// Runs one SQL statement.
pub fn exec(app: &TestApp, sql: &str) -> usize {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).execute(&mut app.db.conn()).unwrap()
}

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

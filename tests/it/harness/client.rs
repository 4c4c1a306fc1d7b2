//! Calling the API as a person: seeded users and tokens, and one client that signs in with a
//! session cookie (sending the CSRF header on state-changing methods) or carries a bearer token.

use super::TestApp;
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

/// A user with `role` and an API token carrying all of the role's permissions.
pub fn caller(app: &TestApp, email: &str, role: Role) -> (User, String) {
    let user = seed_user(app, email, role);
    let scopes: Vec<Permission> = mm::auth::permissions_of(role).to_vec();
    let (_, token) = seed_token(app, &user, &scopes, 3600);
    (user, token)
}

/// A client with its own cookie jar that does not follow redirects.
pub fn new_client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Status and JSON body (Null when the body is not JSON).
pub async fn parts(r: Response) -> (u16, Value) {
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

enum Credential {
    /// The session cookie lives in the client's jar; the CSRF token goes in a header.
    Session,
    Bearer(String),
}

/// One person calling the app: a signed-in browser or a script with an API token.
pub struct ApiClient {
    pub client: Client,
    /// The session's CSRF token (empty for a bearer client).
    pub csrf: String,
    /// The `user` object of the sign-in answer (Null for a bearer client).
    pub user: Value,
    base: String,
    credential: Credential,
}

impl ApiClient {
    /// Signs in with PASSWORD through `POST /api/auth/login`; panics unless it succeeds.
    pub async fn login(app: &TestApp, email: &str) -> ApiClient {
        let client = new_client();
        let r = client
            .post(app.url("/api/auth/login"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let (status, body) = parts(r).await;
        assert_eq!(status, 200, "login of {email}: {body}");
        ApiClient {
            client,
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
            user: body["user"].clone(),
            base: app.url(""),
            credential: Credential::Session,
        }
    }

    /// Calls with `Authorization: Bearer <token>` and no cookies.
    pub fn bearer(app: &TestApp, token: &str) -> ApiClient {
        ApiClient {
            client: new_client(),
            csrf: String::new(),
            user: Value::Null,
            base: app.url(""),
            credential: Credential::Bearer(token.to_string()),
        }
    }

    /// A request as this person, ready for more headers or a body.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD);
        let rb = self.client.request(method, format!("{}{path}", self.base));
        match &self.credential {
            Credential::Session if unsafe_method => rb.header("x-csrf-token", &self.csrf),
            Credential::Session => rb,
            Credential::Bearer(t) => rb.bearer_auth(t),
        }
    }

    /// Sends a request as this person, with `body` as JSON.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut rb = self.request(method, path);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        rb.send().await.unwrap()
    }

    /// Status and JSON body of a call.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        parts(self.send(method, path, body).await).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
}

//! Account operations shared by the JSON API, the pages and the CLI: login and logout,
//! first-run setup, creating and changing users. Each one writes its audit record, inside the
//! same transaction as the change.

use crate::audit::{self, Entry};
use crate::auth::password::{self, Password};
use crate::auth::{AuthMethod, Caller, Role, User, UserStatus, rate_limit, session};
use crate::db::DbError;
use crate::db::models::{api_tokens, sessions, users};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use diesel::{Connection, PgConnection};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Trims and lower-cases an email, and checks it looks like one.
pub fn normalize_email(raw: &str) -> Result<String, AppError> {
    let e = raw.trim().to_lowercase();
    let bad = || {
        AppError::bad_request(
            "invalid-email",
            "Enter an email address like name@example.com.",
        )
    };
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then_some(e).ok_or_else(bad)
}

/// A display name: trimmed, 1-100 characters; the email's local part when none is given.
pub fn display_name(raw: Option<&str>, email: &str) -> Result<String, AppError> {
    let name = raw.map(str::trim).filter(|s| !s.is_empty());
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email));
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-name",
            "The display name must be 1 to 100 characters, without control characters.",
        ));
    }
    Ok(name.to_string())
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            status: u.status,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// One login attempt.
pub struct Attempt {
    pub email: String,
    pub password: Password,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct LoggedIn {
    pub user: User,
    pub session: session::Started,
}

fn invalid_credentials() -> AppError {
    AppError::client(
        StatusCode::UNAUTHORIZED,
        "invalid-credentials",
        "The email or password is wrong.",
    )
}

/// Checks a password and starts a new session. An unknown email and a wrong password get the
/// same answer after the same work (a dummy hash is verified), so neither reveals which
/// accounts exist. Attempts are rate limited before any work is done.
pub async fn login(st: &AppState, a: Attempt) -> Result<LoggedIn, AppError> {
    let cfg = &st.config.auth;
    // Not validated: whatever was typed is looked up and fails like an unknown account.
    let email: String = a.email.trim().to_lowercase().chars().take(254).collect();
    rate_limit::login_attempt(&st.redis, cfg, &email, a.ip.as_deref()).await?;
    let lookup = email.clone();
    let user = st.db.run(move |c| users::find_by_email(c, &lookup)).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => password::dummy_hash(cfg.argon2_memory_kib).await?,
    };
    let matched = password::verify(a.password.clone(), hash).await?;
    let fail = |reason: &str, user: Option<&User>| {
        let mut e = Entry::system(&email, "login.failure")
            .ip(a.ip.clone())
            .details(serde_json::json!({"email": email, "reason": reason}));
        if let Some(u) = user {
            e = e.actor(u.id, &u.email).target("user", u.id);
        }
        e
    };
    let user = match user {
        Some(u) if matched => u,
        Some(u) => {
            audit::record(&st.db, fail("wrong-password", Some(&u))).await?;
            return Err(invalid_credentials());
        }
        None => {
            audit::record(&st.db, fail("unknown-email", None)).await?;
            return Err(invalid_credentials());
        }
    };
    if !user.is_active() {
        // Said only to someone who knows the password.
        audit::record(&st.db, fail("disabled", Some(&user))).await?;
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "account-disabled",
            "This account is disabled; ask an administrator.",
        ));
    }
    if password::needs_rehash(&user.password_hash, cfg.argon2_memory_kib) {
        let h = password::hash(a.password.clone(), cfg.argon2_memory_kib).await?;
        let id = user.id;
        st.db
            .run(move |c| users::set_password_hash(c, id, &h))
            .await?;
    }
    let started = session::start(&st.db, cfg, user.id, a.user_agent.clone(), a.ip.clone()).await?;
    let entry = Entry::system(&user.email, "login.success")
        .actor(user.id, &user.email)
        .target("user", user.id)
        .ip(a.ip.clone());
    let id = user.id;
    st.db
        .run(move |c| {
            users::touch_login(c, id)?;
            audit::record_in(c, &entry)
        })
        .await?;
    rate_limit::login_succeeded(&st.redis, cfg, &email, a.ip.as_deref()).await;
    Ok(LoggedIn {
        user,
        session: started,
    })
}

/// Ends the credential the caller used: their session, or the API token they sent.
pub async fn logout(st: &AppState, caller: &Caller) -> Result<(), AppError> {
    let entry = Entry::by(caller, "logout").target("user", caller.user.id);
    let method = caller.method.clone();
    st.db
        .run(move |c| {
            c.transaction(|c| {
                let kind = match &method {
                    AuthMethod::Session { id, .. } => {
                        sessions::delete(c, id)?;
                        "session"
                    }
                    AuthMethod::Token { id } => {
                        api_tokens::revoke(c, *id)?;
                        "token"
                    }
                };
                audit::record_in(c, &entry.details(serde_json::json!({ "credential": kind })))
            })
        })
        .await?;
    Ok(())
}

/// Ends every session of the caller's account ("log out everywhere"); tokens stay.
pub async fn logout_all(st: &AppState, caller: &Caller) -> Result<usize, AppError> {
    let entry = Entry::by(caller, "logout.all").target("user", caller.user.id);
    let uid = caller.user.id;
    Ok(st
        .db
        .run(move |c| {
            c.transaction(|c| {
                let n = sessions::delete_for_user(c, uid)?;
                audit::record_in(
                    c,
                    &entry.details(serde_json::json!({ "sessions_ended": n })),
                )?;
                Ok(n)
            })
        })
        .await?)
}

/// A user to create, before validation.
pub struct NewAccount {
    pub email: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub password: Password,
}

/// A validated account, ready to store.
pub struct ValidAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: Password,
}

impl NewAccount {
    pub fn validate(self) -> Result<ValidAccount, AppError> {
        let email = normalize_email(&self.email)?;
        let display_name = display_name(self.display_name.as_deref(), &email)?;
        password::validate(&self.password)
            .map_err(|m| AppError::bad_request("weak-password", m))?;
        Ok(ValidAccount {
            email,
            display_name,
            role: self.role,
            password: self.password,
        })
    }
}

fn email_taken(e: DbError) -> AppError {
    match e {
        DbError::Conflict(_) => {
            AppError::conflict("email-taken", "An account with this email already exists.")
        }
        other => other.into(),
    }
}

/// Stores a validated account and its audit record (`audit` names the actor).
pub fn insert_user(
    c: &mut PgConnection,
    a: &ValidAccount,
    hash: &str,
    audit: Entry,
) -> diesel::QueryResult<User> {
    c.transaction(|c| {
        let user = users::insert(
            c,
            &users::NewUser {
                id: Uuid::now_v7(),
                email: &a.email,
                display_name: &a.display_name,
                role: a.role,
                status: UserStatus::Active,
                password_hash: hash,
            },
        )?;
        let entry = audit.target("user", user.id).details(serde_json::json!({
            "email": user.email, "role": user.role,
        }));
        audit::record_in(c, &entry)?;
        Ok(user)
    })
}

/// Creates an account (an admin's `POST /api/users`).
pub async fn create_user(st: &AppState, a: NewAccount, audit: Entry) -> Result<User, AppError> {
    let a = a.validate()?;
    let hash = password::hash(a.password.clone(), st.config.auth.argon2_memory_kib).await?;
    st.db
        .run(move |c| insert_user(c, &a, &hash, audit))
        .await
        .map_err(email_taken)
}

/// Whether first-run setup is open: no account exists yet.
pub async fn setup_open(st: &AppState) -> Result<bool, AppError> {
    Ok(st.db.run(users::count).await? == 0)
}

/// Creates the first Admin while no user exists; `None` once someone else got there first.
/// Concurrent calls serialize on an advisory lock, so exactly one admin is created.
pub async fn setup_first_admin(
    st: &AppState,
    a: NewAccount,
    ip: Option<String>,
) -> Result<Option<User>, AppError> {
    let a = NewAccount {
        role: Role::Admin,
        ..a
    }
    .validate()?;
    let hash = password::hash(a.password.clone(), st.config.auth.argon2_memory_kib).await?;
    let entry = Entry::system(&a.email, "setup").ip(ip);
    st.db
        .run(move |c| {
            c.transaction(|c| {
                users::lock_setup(c)?;
                if users::count(c)? > 0 {
                    return Ok(None);
                }
                let entry = entry.clone();
                insert_user(c, &a, &hash, entry).map(Some)
            })
        })
        .await
        .map_err(email_taken)
}

/// A change to a user's role or status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Change {
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// Applies `change` in one transaction: the audit records, and on disable the end of every
/// session and token of the user. Refuses to leave no active Admin (`Ok(Err(..))`).
pub fn apply_change(
    c: &mut PgConnection,
    id: Uuid,
    change: Change,
    actor: &Entry,
) -> diesel::QueryResult<Result<User, AppError>> {
    c.transaction(|c| {
        let admins = users::lock_active_admins(c)?;
        let user = users::find(c, id)?;
        let role = change.role.unwrap_or(user.role);
        let status = change.status.unwrap_or(user.status);
        let stays_admin = role == Role::Admin && status == UserStatus::Active;
        if admins.contains(&user.id) && !stays_admin && admins.len() <= 1 {
            return Ok(Err(AppError::conflict(
                "last-admin",
                "This is the only active admin; make another admin first.",
            )));
        }
        let updated = users::set_role_status(c, id, role, status)?;
        let with = |action: &str, details| {
            actor
                .clone()
                .named(action)
                .target("user", id)
                .details(details)
        };
        if role != user.role {
            let d = serde_json::json!({"email": user.email, "from": user.role, "to": role});
            audit::record_in(c, &with("user.role", d))?;
        }
        if status != user.status {
            let mut d = serde_json::json!({"email": user.email});
            if status == UserStatus::Disabled {
                d["sessions_ended"] = sessions::delete_for_user(c, id)?.into();
                d["tokens_revoked"] = api_tokens::revoke_all_for_user(c, id)?.into();
            }
            let action = match status {
                UserStatus::Disabled => "user.disable",
                UserStatus::Active => "user.enable",
            };
            audit::record_in(c, &with(action, d))?;
        }
        Ok(Ok(updated))
    })
}

/// `PATCH /api/users/{id}`.
pub async fn change_user(
    st: &AppState,
    caller: &Caller,
    id: Uuid,
    change: Change,
) -> Result<User, AppError> {
    let actor = Entry::by(caller, "user.update");
    st.db
        .run(move |c| apply_change(c, id, change, &actor))
        .await?
}

/// Replaces a user's password and ends their sessions (the CLI's `user set-password`).
pub fn set_password_in(
    c: &mut PgConnection,
    user: &User,
    hash: &str,
    actor: Entry,
) -> diesel::QueryResult<usize> {
    c.transaction(|c| {
        users::set_password_hash(c, user.id, hash)?;
        let n = sessions::delete_for_user(c, user.id)?;
        let entry = actor
            .target("user", user.id)
            .details(serde_json::json!({"email": user.email, "sessions_ended": n}));
        audit::record_in(c, &entry)?;
        Ok(n)
    })
}

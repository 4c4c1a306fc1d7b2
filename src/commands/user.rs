//! `mm user create|set-password|disable|list`: account administration for operators, straight
//! on the database (DATABASE_URL), each change written to the audit log as actor `cli`.

use crate::audit::Entry;
use crate::auth::accounts::{self, Change, NewAccount};
use crate::auth::password::{self, Password};
use crate::auth::{Role, UserStatus};
use crate::cli::UserCommand;
use crate::config::{Config, Env};
use crate::db::models::users;
use anyhow::{Context, anyhow, bail};
use diesel::PgConnection;
use std::io::{BufRead, IsTerminal};

pub fn run(config: &Config, env: &Env, cmd: UserCommand) -> anyhow::Result<()> {
    let mut c = connect(config)?;
    match cmd {
        UserCommand::Create { email, role, name } => create(config, env, &mut c, email, role, name),
        UserCommand::SetPassword { email } => set_password(config, env, &mut c, &email),
        UserCommand::Disable { email } => disable(&mut c, &email),
        UserCommand::List => list(&mut c),
    }
}

pub(super) fn connect(config: &Config) -> anyhow::Result<PgConnection> {
    use diesel::Connection;
    use secrecy::ExposeSecret;
    let url = config
        .database_url
        .as_ref()
        .ok_or_else(|| anyhow!("DATABASE_URL is not set (alias POSTGRES_URL)"))?;
    PgConnection::establish(url.expose_secret())
        .map_err(|e| anyhow!("DATABASE_URL: cannot reach PostgreSQL: {e}"))
}

/// The new password: `MM_PASSWORD`, else the first line of standard input.
fn read_password(env: &Env) -> anyhow::Result<Password> {
    if let Some(p) = env.var(&["MM_PASSWORD"]) {
        return Ok(Password::new(p));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (at least {} characters): ", password::MIN_LEN);
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\r', '\n']);
    if p.is_empty() {
        bail!("no password given: set MM_PASSWORD or write it on standard input");
    }
    Ok(Password::new(p))
}

/// An AppError from shared validation, as one CLI line.
fn plain(e: crate::error::AppError) -> anyhow::Error {
    anyhow!("{}", e.public_message())
}

pub(super) fn find(c: &mut PgConnection, email: &str) -> anyhow::Result<users::User> {
    let email = accounts::normalize_email(email).map_err(plain)?;
    users::find_by_email(c, &email)?.ok_or_else(|| anyhow!("no account with email {email}"))
}

fn create(
    config: &Config,
    env: &Env,
    c: &mut PgConnection,
    email: String,
    role: Role,
    name: Option<String>,
) -> anyhow::Result<()> {
    let account = NewAccount {
        email,
        display_name: name,
        role,
        password: read_password(env)?,
    }
    .validate()
    .map_err(plain)?;
    let hash = password::hash_blocking(&account.password, config.auth.argon2_memory_kib)?;
    let user = accounts::insert_user(c, &account, &hash, Entry::system("cli", "user.create"))
        .map_err(|e| match crate::db::DbError::from(e) {
            crate::db::DbError::Conflict(_) => {
                anyhow!("an account with email {} already exists", account.email)
            }
            other => anyhow!(other).context("creating the account"),
        })?;
    println!("created {} ({}) {}", user.email, user.role, user.id);
    Ok(())
}

fn set_password(
    config: &Config,
    env: &Env,
    c: &mut PgConnection,
    email: &str,
) -> anyhow::Result<()> {
    let user = find(c, email)?;
    let p = read_password(env)?;
    password::validate(&p).map_err(|m| anyhow!(m))?;
    let hash = password::hash_blocking(&p, config.auth.argon2_memory_kib)?;
    let ended = accounts::set_password_in(c, &user, &hash, Entry::system("cli", "user.password"))
        .context("storing the password")?;
    println!(
        "password of {} changed; {ended} session(s) ended",
        user.email
    );
    Ok(())
}

fn disable(c: &mut PgConnection, email: &str) -> anyhow::Result<()> {
    let user = find(c, email)?;
    let change = Change {
        role: None,
        status: Some(UserStatus::Disabled),
    };
    let updated = accounts::apply_change(c, user.id, change, &Entry::system("cli", "user.update"))
        .context("disabling the account")?
        .map_err(plain)?;
    println!(
        "disabled {}; its sessions and tokens no longer work",
        updated.email
    );
    Ok(())
}

fn list(c: &mut PgConnection) -> anyhow::Result<()> {
    let all = users::list(c).context("listing accounts")?;
    println!("EMAIL\tROLE\tSTATUS\tNAME\tLAST LOGIN");
    let fmt = time::format_description::well_known::Rfc3339;
    for u in all {
        let last = u
            .last_login_at
            .and_then(|t| t.format(&fmt).ok())
            .unwrap_or_else(|| "never".into());
        println!(
            "{}\t{}\t{}\t{}\t{}",
            u.email,
            u.role,
            u.status.as_str(),
            u.display_name,
            last
        );
    }
    Ok(())
}

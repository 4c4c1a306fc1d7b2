//! Browser sessions: the `mm_session` cookie, its server-side row, idle and absolute expiry.

use crate::auth::{User, random_token, sha256};
use crate::config::AuthConfig;
use crate::db::models::sessions::{self, NewSession, Session};
use crate::db::{Db, DbError};
use actix_web::cookie::{Cookie, SameSite};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const COOKIE: &str = "mm_session";
/// Activity is written at most this often per session, so a page with many requests costs
/// one write, not one per request. Idle expiry is as exact as this.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A freshly started session: the cookie's secret (shown to the browser only) and its CSRF
/// token.
pub struct Started {
    pub secret: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// Creates a session row for `user_id`. Each login makes a new one, so a session id planted
/// before login is never promoted (fixation).
pub async fn start(
    db: &Db,
    cfg: &AuthConfig,
    user_id: Uuid,
    user_agent: Option<String>,
    ip: Option<String>,
) -> Result<Started, crate::error::AppError> {
    let secret = random_token(32)?;
    let csrf_token = random_token(32)?;
    let id = sha256(secret.as_bytes()).to_vec();
    let expires_at = OffsetDateTime::now_utc() + Duration::seconds(cfg.session_ttl_secs as i64);
    let idle = Duration::seconds(cfg.session_idle_secs as i64);
    let csrf = csrf_token.clone();
    db.run(move |c| {
        sessions::purge_expired(c, idle)?;
        sessions::insert(
            c,
            &NewSession {
                id: &id,
                user_id,
                csrf_token: &csrf,
                expires_at,
                user_agent: user_agent.as_deref().map(|u| truncate(u, 256)),
                ip: ip.as_deref(),
            },
        )
    })
    .await?;
    Ok(Started {
        secret,
        csrf_token,
        expires_at,
    })
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The cookie carrying a session's secret.
pub fn cookie(cfg: &AuthConfig, secret: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, secret.to_string())
        .path("/")
        .http_only(true)
        .secure(cfg.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            cfg.session_ttl_secs as i64,
        ))
        .finish()
}

/// A cookie that makes the browser forget its session.
pub fn removal_cookie(cfg: &AuthConfig) -> Cookie<'static> {
    let mut c = cookie(cfg, "");
    c.make_removal();
    c
}

/// The session id (SHA-256 of the secret) for a cookie value, if it is well formed.
pub fn id_of(secret: &str) -> Option<Vec<u8>> {
    // 32 random bytes in base64url: anything else was not made by mm.
    let ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| sha256(secret.as_bytes()).to_vec())
}

/// The live session and its user for a cookie value, recording activity. The user's status
/// is left for the caller to check.
pub async fn resolve(
    db: &Db,
    cfg: &AuthConfig,
    secret: &str,
) -> Result<Option<(Session, User)>, DbError> {
    let Some(id) = id_of(secret) else {
        return Ok(None);
    };
    let idle = Duration::seconds(cfg.session_idle_secs as i64);
    db.run(move |c| {
        let found = sessions::find_live(c, &id, idle)?;
        let stale = OffsetDateTime::now_utc() - TOUCH_EVERY;
        if found.as_ref().is_some_and(|(s, _)| s.last_seen_at < stale) {
            sessions::touch(c, &id, TOUCH_EVERY)?;
        }
        Ok(found)
    })
    .await
}

/// Ends one session.
pub async fn end(db: &Db, id: Vec<u8>) -> Result<(), DbError> {
    db.run(move |c| sessions::delete(c, &id).map(|_| ())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_secrets_have_an_id() {
        let s = random_token(32).unwrap();
        assert_eq!(id_of(&s).unwrap(), sha256(s.as_bytes()).to_vec());
        assert!(id_of("short").is_none());
        assert!(id_of(&format!("{}=", &s[..42])).is_none());
    }

    #[test]
    fn cookie_flags() {
        let mut p = vec![];
        let cfg = AuthConfig::from_env(&crate::config::Env::default(), "https://mm.test", &mut p);
        let c = cookie(&cfg, "abc").to_string();
        for flag in [
            "mm_session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
        ] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
        let gone = removal_cookie(&cfg).to_string();
        assert!(gone.contains("Max-Age=0"), "{gone}");
    }
}

//! Personal API tokens: `mm_<prefix>_<secret>`, 256 random bits shown once and stored as
//! SHA-256 (right for high-entropy secrets: nothing to brute-force), scoped to a subset of the
//! owner's permissions, expiring, revocable, sent as `Authorization: Bearer`.

use crate::audit::Entry;
use crate::auth::{Caller, Permission, User, ct_eq, random_token, sha256};
use crate::db::models::api_tokens::{self, ApiToken, NewApiToken};
use crate::db::{Db, DbError};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const TOUCH_EVERY: Duration = Duration::seconds(60);
pub const DEFAULT_TTL_SECS: u64 = 90 * 86_400;

/// A token string split into its public prefix (16 hex digits) and its secret.
pub fn parse(raw: &str) -> Option<(&str, &str)> {
    let rest = raw.strip_prefix("mm_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let prefix_ok = prefix.len() == 16 && prefix.bytes().all(|b| b.is_ascii_hexdigit());
    let secret_ok = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (prefix_ok && secret_ok).then_some((prefix, secret))
}

/// A new token: (prefix, full token string). Only the full string contains the secret.
pub fn generate() -> anyhow::Result<(String, String, [u8; 32])> {
    let mut p = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut p)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    let prefix = hex::encode(p);
    let secret = random_token(32)?;
    let hash = sha256(secret.as_bytes());
    Ok((prefix.clone(), format!("mm_{prefix}_{secret}"), hash))
}

/// Why a presented token was refused. All of them answer 401 alike; the kind goes to logs.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// The token's row and owner when `raw` is a live token; records its use.
pub async fn resolve(db: &Db, raw: &str) -> Result<Result<(ApiToken, User), Refused>, DbError> {
    let Some((prefix, secret)) = parse(raw) else {
        return Ok(Err(Refused::Malformed));
    };
    let prefix = prefix.to_ascii_lowercase();
    let presented = sha256(secret.as_bytes());
    db.run(move |c| {
        let Some((token, user)) = api_tokens::find_by_prefix(c, &prefix)? else {
            return Ok(Err(Refused::Unknown));
        };
        if !ct_eq(&presented, &token.secret_hash) {
            return Ok(Err(Refused::Unknown));
        }
        if token.revoked_at.is_some() {
            return Ok(Err(Refused::Revoked));
        }
        if token.expires_at <= OffsetDateTime::now_utc() {
            return Ok(Err(Refused::Expired));
        }
        let stale = OffsetDateTime::now_utc() - TOUCH_EVERY;
        if token.last_used_at.is_none_or(|t| t < stale) {
            api_tokens::touch_used(c, token.id, TOUCH_EVERY)?;
        }
        Ok(Ok((token, user)))
    })
    .await
}

/// The permissions a token grants: its scopes, cut down to what its owner's role allows
/// today (a demoted owner's tokens shrink with them).
pub fn effective(token: &ApiToken, user: &User) -> Vec<Permission> {
    token
        .scopes
        .iter()
        .filter_map(|s| Permission::from_scope(s))
        .filter(|p| user.role.can(*p))
        .collect()
}

/// What a new token is for.
pub struct Spec {
    pub name: String,
    pub scopes: Vec<Permission>,
    pub ttl_secs: u64,
}

/// Stores a new token for `owner`; returns its row and the only copy of the secret.
pub fn insert(
    c: &mut diesel::PgConnection,
    owner: Uuid,
    spec: &Spec,
) -> Result<(ApiToken, String), DbError> {
    let (prefix, full, hash) = generate().map_err(|e| DbError::Task(e.to_string()))?;
    let row = api_tokens::insert(
        c,
        &NewApiToken {
            id: Uuid::now_v7(),
            user_id: owner,
            name: &spec.name,
            prefix: &prefix,
            secret_hash: &hash,
            scopes: spec
                .scopes
                .iter()
                .map(|p| p.as_scope().to_string())
                .collect(),
            expires_at: OffsetDateTime::now_utc() + Duration::seconds(spec.ttl_secs as i64),
        },
    )?;
    Ok((row, full))
}

/// A token as listed: everything but the secret.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    /// The start of the token (`mm_<prefix>_`), to recognize it.
    pub prefix: String,
    pub scopes: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub expired: bool,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name.clone(),
            prefix: format!("mm_{}_", t.prefix),
            scopes: t.scopes.clone(),
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            created_at: t.created_at,
            expired: t.expires_at <= OffsetDateTime::now_utc(),
        }
    }
}

/// Checks a token request against what its creator may do: a name of 1-100 characters,
/// known scopes within `allowed` (default `assets:read`), and a lifetime from 1h to `max_ttl`
/// (default 90 days, like `30d`, `12h`).
pub fn spec(
    allowed: &[Permission],
    name: &str,
    scopes: Option<&[String]>,
    ttl: Option<&str>,
    max_ttl_secs: u64,
) -> Result<Spec, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "invalid-name",
            "Give the token a name of 1 to 100 characters.",
        ));
    }
    let scopes = match scopes {
        None => vec![Permission::AssetsRead],
        Some(list) => crate::auth::parse_scopes(list)
            .map_err(|m| AppError::bad_request("invalid-scope", m))?,
    };
    if scopes.is_empty() {
        return Err(AppError::bad_request(
            "invalid-scope",
            "Give the token at least one scope.",
        ));
    }
    if let Some(p) = scopes.iter().find(|p| !allowed.contains(p)) {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "scope-not-allowed",
            format!("You cannot grant {p}: a token gets at most your own permissions."),
        ));
    }
    let ttl_secs = match ttl.map(str::trim).filter(|t| !t.is_empty()) {
        None => DEFAULT_TTL_SECS.min(max_ttl_secs),
        Some(t) => crate::config::parse_duration_secs(t)
            .map_err(|m| AppError::bad_request("invalid-ttl", m))?,
    };
    if !(3600..=max_ttl_secs).contains(&ttl_secs) {
        return Err(AppError::bad_request(
            "invalid-ttl",
            format!("A token lives from 1h to {}d.", max_ttl_secs / 86_400),
        ));
    }
    Ok(Spec {
        name: name.to_string(),
        scopes,
        ttl_secs,
    })
}

/// Stores a token for `owner` with its audit record; returns the row and the secret.
pub fn create_in(
    c: &mut diesel::PgConnection,
    owner: &User,
    spec: &Spec,
    actor: Entry,
) -> Result<(ApiToken, String), DbError> {
    use diesel::Connection;
    c.transaction(|c| {
        let (row, full) = insert(c, owner.id, spec)?;
        let entry = actor.target("api_token", row.id).details(serde_json::json!({
            "owner": owner.email, "name": row.name, "scopes": row.scopes,
            "expires_at": row.expires_at.format(&time::format_description::well_known::Rfc3339).ok(),
        }));
        crate::audit::record_in(c, &entry)?;
        Ok((row, full))
    })
}

/// Creates a token for the caller, within the caller's own permissions.
pub async fn create(
    st: &AppState,
    caller: &Caller,
    name: &str,
    scopes: Option<&[String]>,
    ttl: Option<&str>,
) -> Result<(ApiToken, String), AppError> {
    let spec = spec(
        &caller.permissions,
        name,
        scopes,
        ttl,
        st.config.auth.token_max_ttl_secs,
    )?;
    let owner = caller.user.clone();
    let actor = Entry::by(caller, "token.create");
    Ok(st
        .db
        .run_db(move |c| create_in(c, &owner, &spec, actor))
        .await?)
}

/// Revokes one of the caller's tokens (an admin may revoke anyone's); 404 for any other.
pub async fn revoke_by(st: &AppState, caller: &Caller, id: Uuid) -> Result<(), AppError> {
    let uid = caller.user.id;
    let admin = caller.can(Permission::UsersManage);
    let actor = Entry::by(caller, "token.revoke").target("api_token", id);
    let done = st
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                let Some(t) = api_tokens::find(c, id)? else {
                    return Ok(false);
                };
                if (t.user_id != uid && !admin) || !api_tokens::revoke(c, id)? {
                    return Ok(false);
                }
                let entry =
                    actor.details(serde_json::json!({"name": t.name, "owner_id": t.user_id}));
                crate::audit::record_in(c, &entry)?;
                Ok(true)
            })
        })
        .await?;
    if done {
        Ok(())
    } else {
        Err(AppError::not_found("No such token."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_junk_does_not() {
        let (prefix, full, hash) = generate().unwrap();
        let (p, s) = parse(&full).unwrap();
        assert_eq!(p, prefix);
        assert_eq!(sha256(s.as_bytes()), hash);
        assert_eq!(full.len(), 3 + 16 + 1 + 43);
        for junk in [
            "",
            "mm_",
            "mm_0123456789abcdef",
            "xx_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "mm_0123456789abcdeg_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "mm_0123456789abcdef_aaaa",
            "mm_0123456789abcdef_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=",
        ] {
            assert!(parse(junk).is_none(), "{junk}");
        }
    }
}

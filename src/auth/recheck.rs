//! Whether a caller authenticated at the start of a long response (an event stream) is still
//! signed in: the session not ended or expired, the token not revoked or expired, the account
//! still active. Asked on every heartbeat, so logout and disabling end streams too.

use crate::auth::{AuthMethod, Caller, UserStatus};
use crate::db::models::{api_tokens, sessions, users};
use crate::state::AppState;
use time::{Duration, OffsetDateTime};

/// `Ok(false)` once the credential no longer works; a database hiccup is an `Err`, which
/// callers treat as "still valid" (the next beat asks again).
pub async fn still_valid(st: &AppState, caller: &Caller) -> Result<bool, crate::db::DbError> {
    let idle = Duration::seconds(st.config.auth.session_idle_secs as i64);
    let method = caller.method.clone();
    let user_id = caller.user.id;
    st.db
        .run(move |c| {
            let live = match method {
                AuthMethod::Session { id, .. } => sessions::find_live(c, &id, idle)?
                    .is_some_and(|(_, u)| u.status == UserStatus::Active),
                AuthMethod::Token { id } => {
                    let now = OffsetDateTime::now_utc();
                    let token_ok = api_tokens::find(c, id)?
                        .is_some_and(|t| t.revoked_at.is_none() && t.expires_at > now);
                    token_ok && users::find(c, user_id)?.status == UserStatus::Active
                }
            };
            Ok(live)
        })
        .await
}

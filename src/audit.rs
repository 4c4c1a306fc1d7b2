//! The audit log: who did what, to what, from where. Append-only (the table refuses UPDATE,
//! DELETE and TRUNCATE). Every module that changes something people care about writes here:
//!
//! ```ignore
//! use crate::audit::{self, Entry};
//! // In a handler with `auth: Auth<perm::AssetsWrite>`:
//! audit::record(&state.db, Entry::by(&auth, "asset.update").target("asset", id)
//!     .details(serde_json::json!({"fields": ["title"]}))).await?;
//! // Inside a transaction, so the change and its record commit together:
//! state.db.run(move |c| c.transaction(|c| { /* change */ audit::record_in(c, &entry) })).await?;
//! ```
//!
//! Actions are `noun.verb` (`login.success`, `token.create`, `user.role`); details never hold
//! a secret or a password.

use crate::auth::Caller;
use crate::db::models::audit::{self as rows, NewAuditRow};
use crate::db::{Db, DbError};
use uuid::Uuid;

/// One audit record being built.
#[derive(Clone, Debug)]
pub struct Entry(NewAuditRow);

impl Entry {
    /// An action by mm itself or an operator (`actor_label` says which, e.g. `cli`).
    pub fn system(label: &str, action: &str) -> Self {
        Entry(NewAuditRow {
            actor_user_id: None,
            actor_label: label.to_string(),
            action: action.to_string(),
            target_type: None,
            target_id: None,
            ip: None,
            details: serde_json::json!({}),
        })
    }

    /// An action by the signed-in caller, from their address.
    pub fn by(caller: &Caller, action: &str) -> Self {
        Self::system(&caller.user.email, action)
            .actor(caller.user.id, &caller.user.email)
            .ip(caller.ip.clone())
    }

    /// Who acts: the user's id (none for mm itself) and the label (their email, or `cli`).
    pub fn who(&self) -> (Option<Uuid>, &str) {
        (self.0.actor_user_id, &self.0.actor_label)
    }

    pub fn actor(mut self, id: Uuid, label: &str) -> Self {
        self.0.actor_user_id = Some(id);
        self.0.actor_label = label.to_string();
        self
    }

    pub fn target(mut self, kind: &str, id: impl ToString) -> Self {
        self.0.target_type = Some(kind.to_string());
        self.0.target_id = Some(id.to_string());
        self
    }

    pub fn ip(mut self, ip: Option<String>) -> Self {
        self.0.ip = ip;
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.0.details = details;
        self
    }

    /// The same actor and address, for another action.
    pub fn named(mut self, action: &str) -> Self {
        self.0.action = action.to_string();
        self
    }

    pub fn action(&self) -> &str {
        &self.0.action
    }
}

/// Writes `entry` on its own.
pub async fn record(db: &Db, entry: Entry) -> Result<(), DbError> {
    db.run(move |c| record_in(c, &entry)).await
}

/// Writes `entry` on `c`, inside the caller's transaction.
pub fn record_in(c: &mut diesel::PgConnection, entry: &Entry) -> diesel::QueryResult<()> {
    rows::insert(c, &entry.0).map(|_| ())
}

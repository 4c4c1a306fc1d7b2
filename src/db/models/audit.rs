//! The `audit_log` table: append-only rows, read newest first with keyset pagination.

use crate::db::schema::audit_log;
use diesel::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow {
    pub actor_user_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

pub fn insert(c: &mut PgConnection, row: &NewAuditRow) -> QueryResult<i64> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .returning(audit_log::id)
        .get_result(c)
}

/// Up to `limit` rows older than `before` (all when `None`), newest first.
pub fn page(c: &mut PgConnection, before: Option<i64>, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(audit_log::id.lt(b));
    }
    q.load(c)
}

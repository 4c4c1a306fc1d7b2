//! `deployment_identity`: the one row naming this database, made on first start.

use diesel::prelude::*;
use diesel::sql_types::Uuid as SqlUuid;
use uuid::Uuid;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// This database's identity, created with `fresh` when it has none yet. Made at first start,
/// not by the migration, so databases copied from one migrated template still differ.
pub fn identity(conn: &mut PgConnection, fresh: Uuid) -> QueryResult<Uuid> {
    diesel::sql_query("INSERT INTO deployment_identity (id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind::<SqlUuid, _>(fresh)
        .execute(conn)?;
    let row: Row = diesel::sql_query("SELECT id FROM deployment_identity").get_result(conn)?;
    Ok(row.id)
}

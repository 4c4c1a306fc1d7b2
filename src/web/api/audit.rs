//! `GET /api/audit?before=&limit=`: the audit log, newest first, keyset-paginated.

use super::openapi::{BadInput, Denied};
use crate::auth::{Auth, perm};
use crate::db::models::audit;
use crate::db::models::audit::AuditRow;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct Page {
    /// Only entries older than this id (the previous page's `next_before`).
    before: Option<i64>,
    /// 1-200, default 50.
    limit: Option<i64>,
}

/// A page of the log and where the next one starts.
#[derive(Serialize, ToSchema)]
struct Entries {
    entries: Vec<AuditRow>,
    /// `before` for the next page; null on the last one.
    next_before: Option<i64>,
}

#[utoipa::path(
    operation_id = "audit_list",
    tag = "audit",
    params(Page),
    responses((status = 200, description = "Entries, newest first.", body = Entries), BadInput, Denied),
    security(("session" = []), ("bearer" = ["audit:read"])),
)]
#[get("/audit")]
#[tracing::instrument(skip_all)]
async fn list(
    st: web::Data<AppState>,
    _: Auth<perm::AuditRead>,
    q: web::Query<Page>,
) -> ApiResult<HttpResponse> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::bad_request(
            "invalid-limit",
            "limit must be 1 to 200.",
        ));
    }
    let before = q.before;
    let rows = st.db.run(move |c| audit::page(c, before, limit)).await?;
    // A full page may have more behind it; the client asks again with `before`.
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    Ok(HttpResponse::Ok().json(Entries {
        entries: rows,
        next_before,
    }))
}

//! `GET /api/audit?before=&limit=`: the audit log, newest first, keyset-paginated.

use crate::auth::{Auth, perm};
use crate::db::models::audit;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::ApiResult;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    /// Only entries older than this id (the previous page's `next_before`).
    before: Option<i64>,
    /// 1-200, default 50.
    limit: Option<i64>,
}

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
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "entries": rows,
        "next_before": next_before,
    })))
}

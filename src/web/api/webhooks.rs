//! `/api/webhooks`: register, list, change and remove webhook endpoints (admins), read each
//! one's delivery log and redeliver. The signing secret is in the creation answer only.

use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::state::AppState;
use crate::web::ApiResult;
use crate::webhooks::endpoints::{self, EndpointPatch, EndpointView, NewEndpointBody};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::get().to(list))
        .route("/webhooks", web::post().to(create))
        .route("/webhooks/{id}", web::get().to(get))
        .route("/webhooks/{id}", web::patch().to(update))
        .route("/webhooks/{id}", web::delete().to(delete))
        .route("/webhooks/{id}/deliveries", web::get().to(deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            web::post().to(redeliver),
        );
}

#[derive(Serialize)]
struct Created {
    /// `whsec_<base64>`, shown this once: verify `webhook-signature` with it.
    secret: String,
    #[serde(flatten)]
    endpoint: EndpointView,
}

/// `POST /api/webhooks {url, events, description?}` -> 201 `{secret, id, ...}`.
async fn create(
    st: web::Data<AppState>,
    auth: Auth<perm::WebhooksManage>,
    body: web::Json<NewEndpointBody>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "webhook.create");
    let (row, secret) =
        endpoints::create(&st, Some(auth.user.id), body.into_inner(), entry).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Created {
            secret,
            endpoint: EndpointView::from(&row),
        }))
}

/// `GET /api/webhooks` -> `{webhooks: [...]}`, newest first (at most 100 exist).
async fn list(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
) -> ApiResult<HttpResponse> {
    let rows = endpoints::list(&st).await?;
    let views: Vec<EndpointView> = rows.iter().map(EndpointView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "webhooks": views })))
}

async fn get(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = endpoints::get(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(EndpointView::from(&row)))
}

/// `PATCH /api/webhooks/{id} {url?, events?, description?, enabled?}`.
async fn update(
    st: web::Data<AppState>,
    auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
    body: web::Json<EndpointPatch>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "webhook.update");
    let row = endpoints::update(&st, id.into_inner(), body.into_inner(), entry).await?;
    Ok(HttpResponse::Ok().json(EndpointView::from(&row)))
}

/// `DELETE /api/webhooks/{id}` -> 204; its pending deliveries are dropped.
async fn delete(
    st: web::Data<AppState>,
    auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let entry = Entry::by(&auth, "webhook.delete");
    endpoints::delete(&st, id.into_inner(), entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/webhooks/{id}/deliveries` -> `{deliveries: [...]}`: the latest 100, newest
/// first, each with its attempts (status, latency, response excerpt).
async fn deliveries(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let log = endpoints::deliveries(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "deliveries": log })))
}

/// `POST /api/webhooks/{id}/deliveries/{delivery}/redeliver` -> 202 `{delivery_id, job_id}`.
async fn redeliver(
    st: web::Data<AppState>,
    auth: Auth<perm::WebhooksManage>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let entry = Entry::by(&auth, "webhook.redeliver");
    let d = endpoints::redeliver(&st, id, delivery, entry).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "delivery_id": d.id, "event_id": d.event_id, "job_id": d.job_id,
    })))
}

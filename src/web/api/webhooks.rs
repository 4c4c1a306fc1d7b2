//! `/api/webhooks`: register, list, change and remove webhook endpoints (admins), read each
//! one's delivery log and redeliver. The signing secret is in the creation answer only.

use super::openapi::{BadBody, BadInput, Denied, Missing};
use crate::audit::Entry;
use crate::auth::{Auth, perm};
use crate::state::AppState;
use crate::web::ApiResult;
use crate::webhooks::endpoints::{
    self, DeliveryView, EndpointPatch, EndpointView, NewEndpointBody,
};
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(create)
        .service(get)
        .service(update)
        .service(delete)
        .service(deliveries)
        .service(redeliver);
}

/// `POST /api/webhooks`: the endpoint with its signing secret.
#[derive(Serialize, ToSchema)]
struct WebhookCreated {
    /// `whsec_<base64>`, shown this once: verify `webhook-signature` with it.
    secret: String,
    #[serde(flatten)]
    endpoint: EndpointView,
}

/// `GET /api/webhooks`: every endpoint.
#[derive(Serialize, ToSchema)]
struct Webhooks {
    webhooks: Vec<EndpointView>,
}

/// `GET /api/webhooks/{id}/deliveries`: the latest deliveries.
#[derive(Serialize, ToSchema)]
struct Deliveries {
    deliveries: Vec<DeliveryView>,
}

/// `POST .../redeliver`: the new delivery of the same event and its job.
#[derive(Serialize, ToSchema)]
struct Redelivered {
    delivery_id: Uuid,
    /// `msg_...`: the `webhook-id` header, the same as the first delivery's.
    event_id: String,
    job_id: Uuid,
}

/// `POST /api/webhooks {url, events, description?}` -> 201 `{secret, id, ...}`.
#[utoipa::path(
    operation_id = "webhooks_create",
    tag = "webhooks",
    responses(
        (status = 201, description = "The endpoint, its signing secret shown this once.", body = WebhookCreated),
        BadBody, Denied,
    ),
    security(("session" = [], "csrf" = []), ("bearer" = ["webhooks:manage"])),
)]
#[post("/webhooks")]
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
        .json(WebhookCreated {
            secret,
            endpoint: EndpointView::from(&row),
        }))
}

/// `GET /api/webhooks` -> `{webhooks: [...]}`, newest first (at most 100 exist).
#[utoipa::path(
    operation_id = "webhooks_list",
    tag = "webhooks",
    responses((status = 200, description = "Every endpoint, newest first.", body = Webhooks), Denied),
    security(("session" = []), ("bearer" = ["webhooks:manage"])),
)]
#[get("/webhooks")]
async fn list(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
) -> ApiResult<HttpResponse> {
    let rows = endpoints::list(&st).await?;
    let views: Vec<EndpointView> = rows.iter().map(EndpointView::from).collect();
    Ok(HttpResponse::Ok().json(Webhooks { webhooks: views }))
}

/// `GET /api/webhooks/{id}`.
#[utoipa::path(
    operation_id = "webhooks_get",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint.")),
    responses((status = 200, description = "The endpoint.", body = EndpointView), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["webhooks:manage"])),
)]
#[get("/webhooks/{id}")]
async fn get(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = endpoints::get(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(EndpointView::from(&row)))
}

/// `PATCH /api/webhooks/{id} {url?, events?, description?, enabled?}`.
#[utoipa::path(
    operation_id = "webhooks_update",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint.")),
    responses((status = 200, description = "The changed endpoint.", body = EndpointView), BadBody, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["webhooks:manage"])),
)]
#[patch("/webhooks/{id}")]
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
#[utoipa::path(
    operation_id = "webhooks_delete",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint.")),
    responses((status = 204, description = "Deleted."), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["webhooks:manage"])),
)]
#[delete("/webhooks/{id}")]
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
#[utoipa::path(
    operation_id = "webhooks_deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint.")),
    responses((status = 200, description = "The latest 100 deliveries, newest first, with their attempts.", body = Deliveries), BadInput, Denied, Missing),
    security(("session" = []), ("bearer" = ["webhooks:manage"])),
)]
#[get("/webhooks/{id}/deliveries")]
async fn deliveries(
    st: web::Data<AppState>,
    _auth: Auth<perm::WebhooksManage>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let log = endpoints::deliveries(&st, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Deliveries { deliveries: log }))
}

/// `POST /api/webhooks/{id}/deliveries/{delivery}/redeliver` -> 202 `{delivery_id, job_id}`.
#[utoipa::path(
    operation_id = "webhooks_redeliver",
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The endpoint."),
        ("delivery" = Uuid, Path, description = "The delivery to send again."),
    ),
    responses((status = 202, description = "A new delivery of the same event is queued.", body = Redelivered), BadInput, Denied, Missing),
    security(("session" = [], "csrf" = []), ("bearer" = ["webhooks:manage"])),
)]
#[post("/webhooks/{id}/deliveries/{delivery}/redeliver")]
async fn redeliver(
    st: web::Data<AppState>,
    auth: Auth<perm::WebhooksManage>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let entry = Entry::by(&auth, "webhook.redeliver");
    let d = endpoints::redeliver(&st, id, delivery, entry).await?;
    Ok(HttpResponse::Accepted().json(Redelivered {
        delivery_id: d.id,
        event_id: d.event_id,
        job_id: d.job_id,
    }))
}

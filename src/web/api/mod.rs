//! `/api/*` JSON routes of the api role. Every route is registered through the utoipa scope
//! below, so the OpenAPI document (`openapi::document`) is built from this registration and
//! lists exactly what the server answers.

mod asset_events;
mod assets;
mod audio_mapping;
mod audit;
mod auth;
mod comments;
mod health;
mod jobs;
mod legacy;
pub mod openapi;
mod poster;
mod previews;
mod review;
mod review_sets;
mod shares;
mod sign;
mod storage_local;
mod stream_guard;
mod tokens;
mod uploads;
mod users;
mod webhooks;

use actix_web::dev::HttpServiceFactory;
use actix_web::web;
use utoipa_actix_web::OpenApiFactory;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(scope());
}

/// The `/api` scope: the routes of every module, each with its operation in the document.
/// Every write may carry an `Idempotency-Key` (`crate::idempotency`).
fn scope() -> impl HttpServiceFactory + OpenApiFactory + 'static {
    utoipa_actix_web::scope("/api")
        .wrap(actix_web::middleware::from_fn(
            crate::idempotency::middleware,
        ))
        .configure(openapi::configure)
        .configure(health::configure)
        .configure(sign::configure)
        .configure(auth::configure)
        .configure(users::configure)
        .configure(tokens::configure)
        .configure(audit::configure)
        .configure(previews::configure)
        .configure(asset_events::configure)
        .configure(poster::configure)
        .configure(audio_mapping::configure)
        .configure(jobs::configure)
        .configure(uploads::configure)
        .configure(assets::configure)
        .configure(comments::configure)
        .configure(review::configure)
        .configure(webhooks::configure)
        .configure(shares::configure)
        .configure(review_sets::configure)
        .configure(legacy::configure)
        .configure(storage_local::configure)
}

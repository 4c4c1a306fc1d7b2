//! `/api/*` JSON routes of the api role.

mod asset_events;
mod assets;
mod audio_mapping;
mod audit;
mod auth;
mod comments;
mod health;
mod jobs;
mod legacy;
mod poster;
mod previews;
mod review;
mod shares;
mod sign;
mod storage_local;
mod stream_guard;
mod tokens;
mod uploads;
mod users;
mod webhooks;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .wrap(actix_web::middleware::from_fn(
                crate::idempotency::middleware,
            ))
            .route("/health", web::get().to(health::health))
            .route("/ready", web::get().to(health::ready))
            .route("/sign-preview", web::post().to(sign::sign_preview))
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
            .configure(legacy::configure)
            .configure(storage_local::configure),
    );
}

//! `/api/*` JSON routes of the api role.

mod health;
mod storage_local;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::health))
            .route("/ready", web::get().to(health::ready))
            .configure(storage_local::configure),
    );
}

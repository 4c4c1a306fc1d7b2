//! `/api/*` JSON routes of the api role.

mod health;
mod jobs;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::health))
            .route("/ready", web::get().to(health::ready))
            .route("/jobs/{id}", web::get().to(jobs::get)),
    );
}

//! `/api/*` JSON routes of the api role.

mod assets;
mod health;
mod jobs;
mod legacy;
mod uploads;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let scope = web::scope("/api")
        .route("/health", web::get().to(health::health))
        .route("/ready", web::get().to(health::ready))
        .route("/jobs/{id}", web::get().to(jobs::get));
    let scope = legacy::routes(assets::routes(uploads::routes(scope)));
    cfg.service(scope);
}

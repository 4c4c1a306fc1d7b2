//! `/api/*` JSON routes of the api role.

mod audit;
mod auth;
mod health;
mod storage_local;
mod tokens;
mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/health", web::get().to(health::health))
            .route("/ready", web::get().to(health::ready))
            .configure(auth::configure)
            .configure(users::configure)
            .configure(tokens::configure)
            .configure(audit::configure)
            .configure(storage_local::configure),
    );
}

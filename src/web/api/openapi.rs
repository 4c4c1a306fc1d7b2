//! The OpenAPI 3.1 document of `/api`, built from the routes as they are registered (each
//! handler's `#[utoipa::path]`, collected by the utoipa scope in `api::configure`), served at
//! `GET /api/openapi.json`, with a readable reference at `GET /api/docs`. Both are public: the
//! document describes routes, never data.

use crate::auth::Permission;
use crate::error::ErrorBody;
use crate::web::assets::StaticAssets;
use actix_web::{HttpRequest, HttpResponse, get, web};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi as _};
use utoipa_actix_web::OpenApiFactory;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "mm",
        description = "Motion Mavericks media asset manager: uploads, assets, previews, review. \
            Every error is a JSON `{code, message}` with a stable kebab-case `code`.",
    ),
    components(schemas(ErrorBody)),
    modifiers(&Schemes),
)]
struct Base;

struct Schemes;

impl Modify for Schemes {
    fn modify(&self, doc: &mut OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(
            crate::auth::session::COOKIE,
            "A browser session from `POST /api/auth/login`. State-changing requests also \
             need the `csrf` header.",
        );
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let csrf = ApiKeyValue::with_description(
            "X-CSRF-Token",
            "The session's `csrf_token` (from login or `GET /api/auth/me`), echoed on every \
             POST, PUT, PATCH and DELETE a session makes.",
        );
        c.add_security_scheme("csrf", SecurityScheme::ApiKey(ApiKey::Header(csrf)));
        let scopes: Vec<&str> = Permission::ALL.iter().map(|p| p.as_scope()).collect();
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(format!(
                "An API token from `POST /api/tokens`. Each operation lists the scope it needs; \
                 a token holds some of: {}. A token never exceeds its owner's role.",
                scopes.join(", ")
            )))
            .build();
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

fn error(description: &str) -> RefOr<Response> {
    let content = ContentBuilder::new()
        .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .build()
        .into()
}

/// A set of error answers, each a `{code, message}` body, for `responses(...)`.
macro_rules! errors {
    ($(#[$doc:meta])* $name:ident: $($status:literal => $desc:literal),+ $(,)?) => {
        $(#[$doc])*
        pub struct $name;
        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(($status, $desc)),+]
                    .into_iter()
                    .map(|(s, d)| (s.to_string(), error(d)))
                    .collect()
            }
        }
    };
}

errors! {
    /// What the `Auth<perm::...>` extractor answers (and a database outage behind it).
    Denied:
        "401" => "No session or token, or an expired or revoked one (`unauthorized`).",
        "403" => "The role or the token's scopes do not allow this, or the CSRF header is \
                  missing (`forbidden`, `insufficient-scope`, `csrf`).",
        "503" => "A service mm depends on is unavailable; retry after `Retry-After`.",
}
errors! {
    /// A bad path or query parameter.
    BadInput: "400" => "A malformed path or query parameter, or an invalid value.",
}
errors! {
    /// What a JSON body can be refused for.
    BadBody:
        "400" => "Malformed JSON, unknown fields, or an invalid value.",
        "413" => "The body is larger than the route accepts.",
        "415" => "The body is not `application/json`.",
}
errors! {
    Missing: "404" => "No such record (or it is not the caller's).",
}
errors! {
    Clash: "409" => "The record's state does not allow this now.",
}
errors! {
    Busy: "429" => "Too many attempts or open streams; retry after `Retry-After`.",
}

/// The 202 answer of a route that queues a job.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobStarted {
    pub job_id: uuid::Uuid,
}

/// The document, from the same registration the server uses.
pub fn document() -> OpenApi {
    let scope = super::scope();
    let mut doc = Base::openapi();
    doc.paths = scope.paths();
    let mut schemas = Vec::new();
    scope.schemas(&mut schemas);
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .extend(schemas);
    doc
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_json()
            .expect("the OpenAPI document serializes")
    })
}

/// `GET /api/openapi.json`.
#[utoipa::path(
    operation_id = "openapi_document",
    tag = "docs",
    responses((status = 200, description = "This OpenAPI 3.1 document.", content_type = "application/json", body = serde_json::Value)),
)]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("cache-control", "no-cache"))
        .body(document_json())
}

/// `GET /api/docs`: the reference, rendered by the vendored Swagger UI from this document.
#[utoipa::path(
    operation_id = "api_reference",
    tag = "docs",
    responses((status = 200, description = "The API reference page.", content_type = "text/html", body = String)),
)]
#[get("/docs")]
async fn docs(req: HttpRequest) -> HttpResponse {
    let assets = req
        .app_data::<web::Data<StaticAssets>>()
        .map(|d| d.clone().into_inner())
        .unwrap_or_default();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>mm API reference</title><link rel=\"icon\" href=\"{icon}\">\
         <link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body><div id=\"swagger-ui\" data-url=\"/api/openapi.json\"></div>\
         <script src=\"{bundle}\"></script>\
         <script type=\"module\" src=\"{boot}\"></script></body></html>\n",
        css = assets.url("vendor/swagger-ui/swagger-ui.css"),
        bundle = assets.url("vendor/swagger-ui/swagger-ui-bundle.js"),
        boot = assets.url("js/api-docs.js"),
        icon = assets.url("favicon.svg"),
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(openapi_json).service(docs);
}

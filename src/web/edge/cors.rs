//! CORS for `/s/`: only the origins in ALLOWED_ORIGINS get `Access-Control-Allow-Origin`, and
//! preflights are answered here (204 for an allowed origin and method, 403 JSON otherwise).

use crate::error::AppError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use std::collections::HashSet;

const ALLOW_METHODS: &str = "GET, HEAD, OPTIONS";
/// Headers players send: ranges and revalidation.
const ALLOW_HEADERS: &str = "range, if-none-match, if-modified-since, if-range";
/// What scripts may read beyond the safelisted response headers.
const EXPOSE_HEADERS: &str = "content-range, accept-ranges, etag";

pub struct Cors {
    origins: HashSet<String>,
}

impl Cors {
    pub fn new(origins: &[String]) -> Self {
        Self {
            origins: origins.iter().cloned().collect(),
        }
    }

    fn allowed<'r>(&self, req: &'r HttpRequest) -> Option<&'r HeaderValue> {
        let origin = req.headers().get(header::ORIGIN)?;
        self.origins
            .contains(origin.to_str().ok()?)
            .then_some(origin)
    }

    /// Adds the CORS headers an answer to an allowed origin carries.
    pub fn decorate(&self, req: &HttpRequest, res: &mut HttpResponse) {
        if self.origins.is_empty() {
            return;
        }
        let origin = self.allowed(req).cloned();
        let h = res.headers_mut();
        // Caches must keep answers for different origins apart.
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = origin {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
    }

    /// Answers OPTIONS: a preflight from an allowed origin for GET or HEAD gets 204 with the
    /// allowed methods and headers; another origin or method gets 403; a plain OPTIONS gets 204
    /// with `Allow`.
    pub fn preflight(&self, req: &HttpRequest) -> HttpResponse {
        let asked = req.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD);
        let Some(asked) = asked else {
            return HttpResponse::NoContent()
                .insert_header((header::ALLOW, ALLOW_METHODS))
                .finish();
        };
        let Some(origin) = self.allowed(req) else {
            return AppError::client(
                StatusCode::FORBIDDEN,
                "origin-not-allowed",
                "This origin may not read from the edge (ALLOWED_ORIGINS).",
            )
            .error_response();
        };
        let method_ok = asked
            .to_str()
            .ok()
            .and_then(|m| m.parse::<Method>().ok())
            .is_some_and(|m| m == Method::GET || m == Method::HEAD);
        if !method_ok {
            return AppError::client(
                StatusCode::FORBIDDEN,
                "method-not-allowed",
                "The edge answers GET and HEAD only.",
            )
            .error_response();
        }
        HttpResponse::NoContent()
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()))
            .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS))
            .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"))
            .insert_header((
                header::VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ))
            .finish()
    }
}

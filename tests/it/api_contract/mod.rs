//! The API as a contract: the OpenAPI document built from the routes' registration lists every
//! live `/api` route and nothing else registers one, it validates with openapi-spec-validator,
//! and schemathesis fuzzes a live mm against it (`fuzz`).

mod document;
mod fuzz;

use serde_json::Value;
use std::path::PathBuf;

/// The pinned tools' venv (scripts/deps.sh).
pub const VENV: &str = "/opt/mm-tools/api-contract";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(METHOD, path template)` of every operation in the document, e.g. `("GET", "/api/jobs/{id}")`.
pub fn operations() -> Vec<(String, String)> {
    let doc = serde_json::to_value(mm::web::api::openapi::document()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            if item.get(m).is_some() {
                out.push((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Whether a concrete path (placeholders and a query allowed) fits a document template: the
/// same segments, a `{param}` of the template standing for any one.
pub fn fits(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

pub fn tool(name: &str) -> PathBuf {
    let p = PathBuf::from(VENV).join("bin").join(name);
    assert!(
        p.is_file(),
        "{} is missing: run scripts/deps.sh (it installs the pinned API contract tools)",
        p.display()
    );
    p
}

/// The JSON the server answers at `/api/openapi.json`.
pub async fn served_document(app: &crate::harness::TestApp) -> Value {
    let r = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    r.json().await.unwrap()
}

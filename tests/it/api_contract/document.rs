//! The document lists exactly the registered `/api` routes and validates as OpenAPI 3.1.

use super::{fits, operations, served_document, tool};
use crate::harness::TestApp;
use crate::harness::{seed_token, seed_user};
use mm::auth::{Permission, Role};
use reqwest::Method;
use serde_json::Value;
use std::path::Path;

/// A concrete path for a template: ids are the nil UUID, the storage bucket and key real words.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| match s {
            "{bucket}" => "staging",
            "{key}" => "contract.mov",
            s if s.starts_with('{') => "00000000-0000-0000-0000-000000000000",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_documented_operation_is_a_live_route_and_the_served_document_is_the_built_one() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let served = served_document(&app).await;
    let built = serde_json::to_value(mm::web::api::openapi::document()).unwrap();
    assert_eq!(served, built);
    assert_eq!(served["openapi"], "3.1.0");

    let ops = operations();
    assert!(ops.len() >= 45, "only {} operations documented", ops.len());
    let admin = seed_user(&app, "contract-admin@mm.test", Role::Admin);
    let client = reqwest::Client::new();
    let mut dead = Vec::new();
    for (method, template) in &ops {
        // A token per call: logging out with one revokes it.
        let (_, token) = seed_token(&app, &admin, Permission::ALL, 3600);
        let path = concrete(template);
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let r = client
            .request(m.clone(), app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        // The default service's answer: no route matched this method and path.
        let unrouted = status == 405
            || (status == 404 && (m == Method::HEAD || body["message"] == "No such route."));
        if unrouted {
            dead.push(format!("{method} {path}: {status} {body}"));
        }
    }
    assert!(
        dead.is_empty(),
        "documented operations no route answers:\n{}",
        dead.join("\n")
    );
    // And a path that is not registered does get the default answer, so the check can fail.
    let (_, token) = seed_token(&app, &admin, Permission::ALL, 3600);
    let r = client
        .get(app.url("/api/no-such-route"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["message"], "No such route.");
}

/// Lines of `src/` that register a route outside the utoipa scope: anything under
/// `src/web/api/` that uses actix's own `route`/`resource`/`scope`/`map`, and any other module
/// naming an `/api` path in a registration.
fn stray_registrations(src: &Path) -> Vec<String> {
    let api_dir = src.join("web/api");
    let mut found = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let in_api = p.starts_with(&api_dir);
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                let registers = [
                    ".route(",
                    "web::resource(",
                    "web::scope(",
                    "Resource::new(",
                    "Scope::new(",
                ]
                .iter()
                .any(|k| code.contains(k))
                    || [
                        "#[get(",
                        "#[post(",
                        "#[put(",
                        "#[patch(",
                        "#[delete(",
                        "#[route(",
                    ]
                    .iter()
                    .any(|k| code.contains(k));
                // actix's own builders (`utoipa_actix_web::scope(` is the documented one).
                let plain_scope = code.replace("utoipa_actix_web::scope(", "");
                let hit = if in_api {
                    [
                        ".route(",
                        "web::resource(",
                        "web::scope(",
                        "web::get()",
                        "web::post()",
                        "web::put()",
                        "web::patch()",
                        "web::delete()",
                        "web::head()",
                        "web::route()",
                    ]
                    .iter()
                    .any(|k| plain_scope.contains(k))
                } else {
                    registers && code.contains("\"/api")
                };
                if hit {
                    found.push(format!("{}:{}: {}", p.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn api_routes_register_only_through_the_utoipa_scope() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let stray = stray_registrations(&src);
    assert!(
        stray.is_empty(),
        "routes registered outside the documented scope (use #[utoipa::path] + \
         utoipa_actix_web's service):\n{}",
        stray.join("\n")
    );
    // The check sees a plain actix registration when there is one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("web/api")).unwrap();
    std::fs::write(
        dir.path().join("web/api/x.rs"),
        "fn c(cfg: &mut ServiceConfig) { cfg.route(\"/x\", web::get().to(h)); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("elsewhere.rs"),
        "fn c(cfg: &mut ServiceConfig) { cfg.route(\"/api/y\", web::get().to(h)); }\n",
    )
    .unwrap();
    assert_eq!(stray_registrations(dir.path()).len(), 2);
}

#[test]
fn the_document_validates_with_openapi_spec_validator() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    let doc = mm::web::api::openapi::document().to_pretty_json().unwrap();
    std::fs::write(&file, doc).unwrap();
    let out = std::process::Command::new(tool("openapi-spec-validator"))
        .arg(&file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("openapi-spec-validator: {}", text.trim());
    assert!(out.status.success(), "openapi-spec-validator: {text}");
    assert!(text.contains("OK"), "{text}");
}

#[test]
fn every_operation_has_error_answers_and_a_security_requirement() {
    let doc = serde_json::to_value(mm::web::api::openapi::document()).unwrap();
    let public = [
        "/api/health",
        "/api/ready",
        "/api/openapi.json",
        "/api/docs",
        "/api/auth/login",
    ];
    let mut wrong = Vec::new();
    for (method, path) in operations() {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let errors: Vec<&String> = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|s| s.starts_with('4') || s.starts_with('5'))
            .collect();
        let signed_url = path.starts_with("/api/storage/");
        if public.contains(&path.as_str()) || signed_url {
            if op.get("security").is_some() {
                wrong.push(format!("{method} {path}: public, yet has security"));
            }
            continue;
        }
        if !["401", "403"].iter().all(|s| errors.iter().any(|e| e == s)) {
            wrong.push(format!("{method} {path}: no 401/403 in {errors:?}"));
        }
        let bearer = op["security"]
            .as_array()
            .and_then(|s| s.iter().find_map(|r| r.get("bearer")));
        if bearer.is_none() {
            wrong.push(format!("{method} {path}: no bearer requirement"));
        }
        for e in errors {
            let schema = &op["responses"][e]["content"]["application/json"]["schema"]["$ref"];
            if schema != "#/components/schemas/ErrorBody" {
                wrong.push(format!("{method} {path}: {e} is not an ErrorBody"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn templates_fit_concrete_paths() {
    assert!(fits("/api/jobs/{id}", "/api/jobs/{job}"));
    assert!(fits("/api/assets", "/api/assets?q=x"));
    assert!(!fits("/api/assets/{id}", "/api/assets/{asset}/events"));
    assert!(!fits("/api/users", "/api/tokens"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_reference_page_loads_the_vendored_viewer_under_the_page_csp() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let r = reqwest::get(app.url("/api/docs")).await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    let html = r.text().await.unwrap();
    // Every script is a file: the CSP allows no inline code.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script src=").count() + html.matches("<script type=\"module\" src=").count()
    );
    for name in [
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "vendor/swagger-ui/swagger-ui.css",
        "js/api-docs.js",
    ] {
        let at = html
            .find(&format!("/static/{name}?v="))
            .unwrap_or_else(|| panic!("{name} not fingerprinted in {html}"));
        let url = &html[at..at + html[at..].find('"').unwrap()];
        let f = reqwest::get(app.url(url)).await.unwrap();
        assert_eq!(f.status(), 200, "{url}");
        assert!(f.bytes().await.unwrap().len() > 100, "{url}");
    }
}

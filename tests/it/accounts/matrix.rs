//! The role-by-route matrix: every /api route, called by every role, by anonymous callers,
//! and by API tokens with and without the route's scope.
//!
//! WHEN YOU ADD AN /api ROUTE, ADD A ROW TO `routes()`, with the permission its handler's
//! `Auth<perm::...>` names (`matrix_rows` fails until every operation of the OpenAPI document,
//! which is built from the routes' registration, has one). The test then proves the route answers 401 to anonymous callers,
//! 403 to every role without the permission and to tokens without the scope, and 2xx to the
//! rest. Path placeholders: `{target}` a user id, `{own_token}` a token of the caller,
//! `{n}` a number unique to the call; ingest's placeholders (`{asset}`, `{upload}`, ...) are
//! rows made for the caller by `ingest::seed_for_matrix`.

use crate::harness::{ApiClient, PASSWORD, TestApp, new_client, parts, seed_token, seed_user};
use mm::auth::{Permission, Role};
use reqwest::Method;
use serde_json::Value;

/// What a route requires.
#[derive(Clone, Copy, Debug)]
pub(super) enum Needs {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in caller (`perm::Any`).
    SignedIn,
    Perm(Permission),
    /// A presigned storage URL: its signature is the credential, so without one every caller
    /// gets 400 (a malformed URL), whatever session or token it sends.
    Signed,
}

pub(super) struct Route {
    pub(super) method: Method,
    pub(super) path: &'static str,
    needs: Needs,
    /// JSON body, with placeholders.
    body: Option<&'static str>,
    /// Whether a successful call ends the credential used (logout): it is renewed after.
    ends_credential: bool,
    /// An event stream: a 2xx answer's body stays open, so only its status is read.
    stream: bool,
    /// Statuses that also show the permission check passed (the record's state refused it).
    also: &'static [u16],
}

const fn route(
    method: Method,
    path: &'static str,
    needs: Needs,
    body: Option<&'static str>,
) -> Route {
    Route {
        method,
        path,
        needs,
        body,
        ends_credential: false,
        stream: false,
        also: &[],
    }
}

use Needs::*;
use Permission as P;

pub(super) fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/api/health", Public, None),
        route(Method::GET, "/api/ready", Public, None),
        route(Method::GET, "/api/openapi.json", Public, None),
        route(Method::GET, "/api/docs", Public, None),
        // Replaces the calling browser's session with login-target's: renewed after.
        Route {
            ends_credential: true,
            ..route(
                Method::POST,
                "/api/auth/login",
                Public,
                Some(r#"{"email": "login-target@mm.test", "password": "{password}"}"#),
            )
        },
        route(Method::GET, "/api/auth/me", SignedIn, None),
        Route {
            ends_credential: true,
            ..route(Method::POST, "/api/auth/logout", SignedIn, None)
        },
        Route {
            ends_credential: true,
            ..route(Method::POST, "/api/auth/logout-all", SignedIn, None)
        },
        route(Method::GET, "/api/users", Perm(P::UsersManage), None),
        route(
            Method::POST,
            "/api/users",
            Perm(P::UsersManage),
            Some(r#"{"email": "new-{n}@mm.test", "role": "viewer", "password": "{password}"}"#),
        ),
        route(
            Method::PATCH,
            "/api/users/{target}",
            Perm(P::UsersManage),
            Some(r#"{"role": "editor"}"#),
        ),
        route(Method::GET, "/api/tokens", Perm(P::TokensManage), None),
        route(
            Method::POST,
            "/api/tokens",
            Perm(P::TokensManage),
            Some(r#"{"name": "matrix", "scopes": ["tokens:manage"]}"#),
        ),
        route(
            Method::DELETE,
            "/api/tokens/{own_token}",
            Perm(P::TokensManage),
            None,
        ),
        route(Method::GET, "/api/audit", Perm(P::AuditRead), None),
        route(Method::GET, "/api/audit?limit=5", Perm(P::AuditRead), None),
        route(
            Method::POST,
            "/api/sign-preview",
            Perm(P::PreviewsSign),
            Some(r#"{"preview_prefix": "previews/{asset}/{version}/"}"#),
        ),
        route(
            Method::GET,
            "/api/preview/status?prefix=previews/a/b",
            Perm(P::AssetsRead),
            None,
        ),
        Route {
            stream: true,
            ..route(
                Method::GET,
                "/api/preview/events?prefix=previews/a/b",
                Perm(P::AssetsRead),
                None,
            )
        },
        route(Method::GET, "/api/jobs/{job}", Perm(P::AssetsRead), None),
        route(
            Method::POST,
            "/api/uploads",
            Perm(P::UploadsCreate),
            Some(r#"{"filename": "m{n}.mov", "size": 1000}"#),
        ),
        route(
            Method::GET,
            "/api/uploads/{upload}",
            Perm(P::UploadsCreate),
            None,
        ),
        route(
            Method::POST,
            "/api/uploads/{upload}/parts",
            Perm(P::UploadsCreate),
            Some(r#"{"part_numbers": [1]}"#),
        ),
        route(
            Method::POST,
            "/api/uploads/{done_upload}/complete",
            Perm(P::UploadsCreate),
            Some("{}"),
        ),
        route(
            Method::DELETE,
            "/api/uploads/{upload}",
            Perm(P::UploadsCreate),
            None,
        ),
        route(Method::GET, "/api/assets", Perm(P::AssetsRead), None),
        route(
            Method::GET,
            "/api/assets?q=matrix",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::GET,
            "/api/assets/{asset}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/assets/{asset}",
            Perm(P::AssetsWrite),
            Some(r#"{"title": "Matrix {n}"}"#),
        ),
        route(
            Method::POST,
            "/api/assets/{asset}/reprocess",
            Perm(P::AssetsWrite),
            None,
        ),
        Route {
            stream: true,
            ..route(
                Method::GET,
                "/api/assets/{asset}/events",
                Perm(P::AssetsRead),
                None,
            )
        },
        // The seeded version has no preview yet: 409 `preview-not-ready` is past the check.
        Route {
            also: &[409],
            ..route(
                Method::POST,
                "/api/assets/{asset}/poster",
                Perm(P::AssetsWrite),
                Some(r#"{"time": 0}"#),
            )
        },
        route(
            Method::PUT,
            "/api/assets/{asset}/audio-mapping",
            Perm(P::AssetsWrite),
            Some(r#"{"mapping": "pair:1,2"}"#),
        ),
        route(
            Method::DELETE,
            "/api/assets/{asset}",
            Perm(P::AssetsDelete),
            None,
        ),
        route(
            Method::GET,
            "/api/assets/{asset}/comments",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::POST,
            "/api/assets/{asset}/comments",
            Perm(P::CommentsWrite),
            Some(r#"{"frame": 0, "body": "matrix {n}"}"#),
        ),
        route(
            Method::GET,
            "/api/assets/{asset}/comments/export?format=csv",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::GET,
            "/api/comments/{comment}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/comments/{comment}",
            Perm(P::CommentsWrite),
            Some(r#"{"body": "edited {n}"}"#),
        ),
        route(
            Method::POST,
            "/api/comments/{comment}/resolve",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::POST,
            "/api/comments/{comment}/reopen",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::DELETE,
            "/api/comments/{comment}",
            Perm(P::CommentsWrite),
            None,
        ),
        route(
            Method::POST,
            "/api/versions/{version}/decisions",
            Perm(P::ReviewDecide),
            Some(r#"{"decision": "approved"}"#),
        ),
        route(
            Method::GET,
            "/api/versions/{version}/review",
            Perm(P::AssetsRead),
            None,
        ),
        route(Method::GET, "/api/webhooks", Perm(P::WebhooksManage), None),
        route(
            Method::POST,
            "/api/webhooks",
            Perm(P::WebhooksManage),
            Some(r#"{"url": "https://8.8.8.8/hook{n}", "events": ["asset.ready"]}"#),
        ),
        route(
            Method::GET,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::PATCH,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            Some(r#"{"description": "matrix"}"#),
        ),
        route(
            Method::DELETE,
            "/api/webhooks/{webhook}",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::GET,
            "/api/webhooks/{webhook}/deliveries",
            Perm(P::WebhooksManage),
            None,
        ),
        route(
            Method::POST,
            "/api/webhooks/{webhook}/deliveries/{webhook_delivery}/redeliver",
            Perm(P::WebhooksManage),
            None,
        ),
        route(Method::GET, "/api/shares", Perm(P::SharesManage), None),
        route(
            Method::GET,
            "/api/shares?asset_id={asset}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::POST,
            "/api/shares",
            Perm(P::SharesManage),
            Some(r#"{"asset_ids": ["{asset}"], "permissions": "comment"}"#),
        ),
        route(
            Method::GET,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::PATCH,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            Some(r#"{"title": "Matrix {n}"}"#),
        ),
        route(
            Method::GET,
            "/api/shares/{share}/activity",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::DELETE,
            "/api/shares/{share}",
            Perm(P::SharesManage),
            None,
        ),
        route(Method::GET, "/api/review-sets", Perm(P::AssetsRead), None),
        route(
            Method::POST,
            "/api/review-sets",
            Perm(P::SharesManage),
            Some(r#"{"name": "Matrix {n}", "asset_ids": ["{asset}"]}"#),
        ),
        route(
            Method::GET,
            "/api/review-sets/{set}",
            Perm(P::AssetsRead),
            None,
        ),
        route(
            Method::PATCH,
            "/api/review-sets/{set}",
            Perm(P::SharesManage),
            Some(r#"{"name": "Matrix {n}"}"#),
        ),
        route(
            Method::DELETE,
            "/api/review-sets/{set}",
            Perm(P::SharesManage),
            None,
        ),
        route(
            Method::POST,
            "/api/presign",
            Perm(P::UploadsCreate),
            Some(r#"{"key": "staging/m{n}/clip.mov", "contentType": "video/quicktime"}"#),
        ),
        route(
            Method::POST,
            "/api/promote",
            Perm(P::UploadsCreate),
            Some(r#"{"stagingKey": "{done_key}"}"#),
        ),
        route(Method::PUT, "/api/storage/staging/m{n}.mov", Signed, None),
        route(Method::GET, "/api/storage/staging/m{n}.mov", Signed, None),
        route(Method::HEAD, "/api/storage/staging/m{n}.mov", Signed, None),
    ]
}

/// Who calls.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    /// A browser session of a user with this role.
    Session(Role),
    /// An admin's token with every scope except the route's.
    TokenWithout,
    /// An admin's token with only the route's scope.
    TokenWith,
}

/// The status wanted: 401, 403, or 200 meaning any 2xx. `Public` routes only promise not to
/// ask for credentials (0): `/api/ready` answers 503 while a dependency is down.
fn expected(needs: Needs, caller: Caller) -> u16 {
    match (needs, caller) {
        (Public, _) => 0,
        (Signed, _) => 400,
        (_, Caller::Anonymous) => 401,
        (SignedIn, _) => 200,
        (Perm(p), Caller::Session(r)) if !r.can(p) => 403,
        (Perm(_), Caller::TokenWithout) => 403,
        (Perm(_), _) => 200,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_api_route_answers_each_role_as_the_permission_table_says() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    app.allow_unfinished_jobs(
        "routes that queue work (upload completion, reprocess, poster) are called as every role \
         on an api without a worker; the matrix checks the answers, not the jobs",
    );
    let mut users = std::collections::HashMap::new();
    for role in Role::ALL {
        users.insert(*role, seed_user(&app, &format!("{role}@mm.test"), *role));
    }
    seed_user(&app, "login-target@mm.test", Role::Viewer);
    let target = seed_user(&app, "target@mm.test", Role::Editor);
    let admin = users[&Role::Admin].clone();

    let mut sessions = std::collections::HashMap::new();
    for role in Role::ALL {
        sessions.insert(
            *role,
            ApiClient::login(&app, &format!("{role}@mm.test")).await,
        );
    }

    let mut callers = vec![Caller::Anonymous];
    callers.extend(Role::ALL.iter().map(|r| Caller::Session(*r)));
    callers.extend([Caller::TokenWithout, Caller::TokenWith]);

    let mut failures = Vec::new();
    let mut n = 0;
    for r in routes() {
        for caller in &callers {
            if matches!(
                (r.needs, caller),
                (Public | SignedIn | Signed, Caller::TokenWith)
            ) {
                continue; // no scope to grant: TokenWithout already covers tokens here
            }
            n += 1;
            // The caller's own token, for routes that act on one.
            let owner = match caller {
                Caller::Session(role) => users[role].clone(),
                _ => admin.clone(),
            };
            let (own_token, _) = seed_token(&app, &owner, &[P::AssetsRead], 3600);
            let mut path = r
                .path
                .replace("{n}", &n.to_string())
                .replace("{target}", &target.id.to_string())
                .replace("{own_token}", &own_token.to_string());
            let mut ingest = crate::ingest::seed_for_matrix(&app, owner.id);
            ingest.extend(crate::shares::seed_for_matrix(&app, &ingest));
            for (k, v) in &ingest {
                path = path.replace(k, v);
            }
            let body: Option<Value> = r.body.map(|b| {
                serde_json::from_str(
                    &ingest.iter().fold(
                        b.replace("{n}", &n.to_string())
                            .replace("{password}", PASSWORD),
                        |b, (k, v)| b.replace(k, v),
                    ),
                )
                .unwrap()
            });
            let resp = match caller {
                Caller::Anonymous => {
                    let mut rb = new_client().request(r.method.clone(), app.url(&path));
                    if let Some(b) = &body {
                        rb = rb.json(b);
                    }
                    rb.send().await.unwrap()
                }
                Caller::Session(role) => {
                    sessions[role]
                        .send(r.method.clone(), &path, body.as_ref())
                        .await
                }
                Caller::TokenWithout | Caller::TokenWith => {
                    let scopes: Vec<Permission> = match (r.needs, caller) {
                        (Perm(p), Caller::TokenWith) => vec![p],
                        (Perm(p), _) => Permission::ALL
                            .iter()
                            .copied()
                            .filter(|x| *x != p)
                            .collect(),
                        _ => Permission::ALL.to_vec(),
                    };
                    let (_, secret) = seed_token(&app, &admin, &scopes, 3600);
                    let mut rb = new_client()
                        .request(r.method.clone(), app.url(&path))
                        .bearer_auth(secret);
                    if let Some(b) = &body {
                        rb = rb.json(b);
                    }
                    rb.send().await.unwrap()
                }
            };
            let (status, json) = if r.stream && resp.status().is_success() {
                (resp.status().as_u16(), Value::Null)
            } else {
                parts(resp).await
            };
            let want = expected(r.needs, *caller);
            let ok = match want {
                0 => ![401, 403].contains(&status),
                200 => (200..300).contains(&status) || r.also.contains(&status),
                _ => status == want,
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {caller:?}: got {status}, want {want}: {json}",
                    r.method, r.path
                ));
            }
            if want == 401 || want == 403 {
                let code = json["code"].as_str().unwrap_or_default();
                let wanted_codes: &[&str] = match want {
                    401 => &["unauthorized"],
                    _ => &["forbidden", "insufficient-scope"],
                };
                if !wanted_codes.contains(&code)
                    || json["message"].as_str().is_none_or(str::is_empty)
                {
                    failures.push(format!(
                        "{} {} as {caller:?}: body is not {{code, message}}: {json}",
                        r.method, r.path
                    ));
                }
            }
            if r.ends_credential {
                // A token's logout-all ends its owner's (the admin's) browser sessions too.
                let renew = match caller {
                    Caller::Session(role) => Some(*role),
                    Caller::TokenWithout | Caller::TokenWith => Some(Role::Admin),
                    Caller::Anonymous => None,
                };
                if let Some(role) = renew {
                    sessions.insert(
                        role,
                        ApiClient::login(&app, &format!("{role}@mm.test")).await,
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n > 80, "the matrix ran {n} cells");
}

//! The role-by-route matrix: every /api route (the rows of `matrix_routes`), called by every
//! role, by anonymous callers, and by API tokens with and without the route's scope. It proves
//! each route answers 401 to anonymous callers, 403 to every role without the permission and to
//! tokens without the scope, and 2xx to the rest. Path placeholders: `{target}` a user id,
//! `{own_token}` a token of the caller, `{n}` a number unique to the call; ingest's
//! placeholders (`{asset}`, `{upload}`, ...) are rows made for the caller by
//! `ingest::seed_for_matrix`.

use super::matrix_routes::Needs::{self, *};
use super::matrix_routes::routes;
use crate::harness::{ApiClient, PASSWORD, TestApp, new_client, parts, seed_token, seed_user};
use mm::auth::{Permission, Permission as P, Role};
use serde_json::Value;

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

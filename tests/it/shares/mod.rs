//! Share links: the team's routes (create once, list, change, revoke, review sets) and the
//! guest's page and API, against a real mm: every permission combination, every refusal with
//! nothing stored, closed links, passwords and their throttle, playback scope, downloads,
//! activity and the team's live events.

mod downloads;
mod guest;
mod guest_drawing;
mod guest_limits;
mod live;
mod proxy;
mod reviewers;
mod sets;
mod still;
mod team;
mod throttle;

use crate::harness::TestApp;
use crate::harness::{ApiClient, exec, new_client, parts, seed_user};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use uuid::Uuid;

/// Rows the matrix's share and review-set routes act on: `{share}` and `{set}` over `{asset}`.
pub fn seed_for_matrix(
    app: &TestApp,
    ingest: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let asset = &ingest.iter().find(|(k, _)| *k == "{asset}").unwrap().1;
    let (share, set) = (Uuid::new_v4(), Uuid::new_v4());
    let hash = hex::encode(mm::auth::sha256(share.as_bytes()));
    exec(
        app,
        &format!(
            "INSERT INTO shares (id, token_hash, title, version_mode, permissions, allow_download, created_by_name) \
             VALUES ('{share}', decode('{hash}', 'hex'), 'Matrix', 'current', 'view', 'none', 'matrix')"
        ),
    );
    exec(
        app,
        &format!(
            "INSERT INTO share_items (share_id, asset_id, position) VALUES ('{share}', '{asset}', 0)"
        ),
    );
    exec(
        app,
        &format!("INSERT INTO review_sets (id, name) VALUES ('{set}', 'Matrix')"),
    );
    exec(
        app,
        &format!(
            "INSERT INTO review_set_items (set_id, asset_id, position) VALUES ('{set}', '{asset}', 0)"
        ),
    );
    vec![("{share}", share.to_string()), ("{set}", set.to_string())]
}

/// What a share test starts from: an api instance, an Editor (`ed@mm.test`) signed in, and
/// one seeded video (29.97 drop-frame, no preview files).
pub struct Studio {
    pub app: TestApp,
    pub ed: ApiClient,
    pub asset: Uuid,
    pub version: Uuid,
}

impl Studio {
    pub async fn start() -> Studio {
        Self::on(TestApp::spawn(mm::config::Role::Api).await).await
    }

    /// The same on an app built with other settings.
    pub async fn on(app: TestApp) -> Studio {
        seed_user(&app, "ed@mm.test", UserRole::Editor);
        let ed = ApiClient::login(&app, "ed@mm.test").await;
        let (asset, version) = seed_video(&app, DF_2997);
        Studio {
            app,
            ed,
            asset,
            version,
        }
    }
}

/// Creates a share as `who`; returns its id and the link's token.
pub async fn share(who: &ApiClient, body: Value) -> (String, String) {
    let (s, b) = parts(who.send(Method::POST, "/api/shares", Some(&body)).await).await;
    assert_eq!(s, 201, "{b}");
    let url = b["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap().to_string();
    (b["id"].as_str().unwrap().to_string(), token)
}

/// A fresh browser without any session: a guest.
pub fn guest() -> Client {
    new_client()
}

/// `/r/<token>/api<rest>`.
pub fn gpath(app: &TestApp, token: &str, rest: &str) -> String {
    app.url(&format!("/r/{token}/api{rest}"))
}

pub async fn gsend(
    app: &TestApp,
    g: &Client,
    method: Method,
    token: &str,
    rest: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = g.request(method, gpath(app, token, rest));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    parts(rb.send().await.unwrap()).await
}

/// Gives the guest a name and email.
pub async fn identify(app: &TestApp, g: &Client, token: &str, name: &str) {
    let (s, b) = gsend(
        app,
        g,
        Method::POST,
        token,
        "/guest",
        Some(json!({"name": name, "email": format!("{}@client.test", name.to_lowercase())})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

//! Who a decision counts for: a guest is their link and email (lower-cased), not their name.
//! Two guests called Alex are two reviewers; one Alex deciding again, from another browser and
//! in other capitals, replaces their own decision; a team member is a third.

use super::{gsend, guest, share};
use crate::harness::TestApp;
use crate::harness::{ApiClient, parts, seed_user};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::{Client, Method};
use serde_json::{Value, json};

async fn as_guest(app: &TestApp, token: &str, name: &str, email: &str) -> Client {
    let g = guest();
    let (s, b) = gsend(
        app,
        &g,
        Method::POST,
        token,
        "/guest",
        Some(json!({"name": name, "email": email})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    g
}

async fn decide(app: &TestApp, g: &Client, token: &str, version: &str, what: &str) -> Value {
    let (s, r) = gsend(
        app,
        g,
        Method::POST,
        token,
        &format!("/versions/{version}/decisions"),
        Some(json!({"decision": what})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    r["review"].clone()
}

/// `(name, email, decision)` of each reviewer's latest decision, as the team sees them.
fn latest(review: &Value) -> Vec<(String, Option<String>, String)> {
    review["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["superseded"] == false)
        .map(|d| {
            (
                d["author"]["name"].as_str().unwrap().to_string(),
                d["author"]["email"].as_str().map(String::from),
                d["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_of_one_name_are_told_apart_by_email_and_replace_only_their_own_decision() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let (asset, version) = seed_video(&app, DF_2997);
    let version = version.to_string();
    let (_, token) = share(&ed, json!({"asset_ids": [asset], "permissions": "approve"})).await;
    let team_review = || async {
        let (s, r) = parts(
            ed.send(
                Method::GET,
                &format!("/api/versions/{version}/review"),
                None,
            )
            .await,
        )
        .await;
        assert_eq!(s, 200, "{r}");
        r
    };

    let agency = as_guest(&app, &token, "Alex", "alex@agency.test").await;
    let client = as_guest(&app, &token, "Alex", "Alex@Client.test").await;
    let r = decide(&app, &agency, &token, &version, "approved").await;
    assert_eq!(r["status"], "approved");
    // The second Alex asks for changes: a second reviewer, not the first one changing their mind.
    let r = decide(&app, &client, &token, &version, "changes_requested").await;
    assert_eq!(r["status"], "changes_requested");
    let rv = team_review().await;
    let mut got = latest(&rv);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "Alex".into(),
                Some("alex@agency.test".into()),
                "approved".into()
            ),
            (
                "Alex".into(),
                Some("alex@client.test".into()),
                "changes_requested".into()
            ),
        ]
    );
    // Guests never see anyone's email.
    let (s, theirs) = gsend(
        &app,
        &agency,
        Method::GET,
        &token,
        &format!("/versions/{version}/review"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(!theirs.to_string().contains('@'), "{theirs}");

    // The client's Alex, in another browser with other capitals, approves: their own decision
    // is replaced, and with both approving the version is approved.
    let again = as_guest(&app, &token, "Alex C.", " ALEX@client.TEST ").await;
    let r = decide(&app, &again, &token, &version, "approved").await;
    assert_eq!(r["status"], "approved");
    let rv = team_review().await;
    assert_eq!(rv["status"], "approved");
    assert_eq!(latest(&rv).len(), 2, "{rv}");
    assert_eq!(
        rv["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["superseded"] == true)
            .count(),
        1
    );

    // A team member (named alex) is a reviewer of their own.
    seed_user(&app, "alex@mm.test", UserRole::Viewer);
    let alex = ApiClient::login(&app, "alex@mm.test").await;
    let (s, r) = parts(
        alex.send(
            Method::POST,
            &format!("/api/versions/{version}/decisions"),
            Some(&json!({"decision": "changes_requested"})),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let rv = team_review().await;
    assert_eq!(rv["status"], "changes_requested");
    assert_eq!(latest(&rv).len(), 3, "{rv}");

    // The same email through another link is another reviewer too.
    let (_, other) = share(&ed, json!({"asset_ids": [asset], "permissions": "approve"})).await;
    let elsewhere = as_guest(&app, &other, "Alex", "alex@agency.test").await;
    decide(&app, &elsewhere, &other, &version, "approved").await;
    assert_eq!(latest(&team_review().await).len(), 4);
}

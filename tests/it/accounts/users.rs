//! Administration: creating users, changing roles, and never losing the last admin.

use crate::harness::{ApiClient, PASSWORD, TestApp, count, parts, seed_user};
use mm::auth::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_creates_users_and_changes_roles() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "admin@mm.test", Role::Admin);
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    let body = json!({"email": "New.Person@MM.test", "display_name": "New Person", "role": "editor", "password": PASSWORD});
    let (status, user) = parts(admin.send(Method::POST, "/api/users", Some(&body)).await).await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["email"], "new.person@mm.test");
    assert_eq!(user["role"], "editor");
    let newbie = ApiClient::login(&app, "new.person@mm.test").await;
    assert_eq!(newbie.user["display_name"], "New Person");

    let (status, list) = parts(admin.send(Method::GET, "/api/users", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(list["users"].as_array().unwrap().len(), 2);
    assert!(
        !list.to_string().contains("argon2"),
        "no hashes leave the server"
    );

    let path = format!("/api/users/{}", user["id"].as_str().unwrap());
    let (status, changed) = parts(
        admin
            .send(Method::PATCH, &path, Some(&json!({"role": "manager"})))
            .await,
    )
    .await;
    assert_eq!((status, changed["role"].as_str()), (200, Some("manager")));
    // The new role applies to the user's existing session at once.
    let (status, _) = parts(newbie.send(Method::GET, "/api/audit", None).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'user.role' AND details->>'to' = 'manager' AND actor_label = 'admin@mm.test'"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'user.create' AND actor_label = 'admin@mm.test'"
        ),
        1
    );
    let (status, _) = parts(
        admin
            .send(
                Method::PATCH,
                "/api/users/00000000-0000-0000-0000-000000000000",
                Some(&json!({"role": "viewer"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let first = seed_user(&app, "admin@mm.test", Role::Admin);
    let admin = ApiClient::login(&app, "admin@mm.test").await;
    let path = format!("/api/users/{}", first.id);
    for change in [json!({"role": "manager"}), json!({"status": "disabled"})] {
        let (status, b) = parts(admin.send(Method::PATCH, &path, Some(&change)).await).await;
        assert_eq!(
            (status, b["code"].as_str()),
            (409, Some("last-admin")),
            "{b}"
        );
    }
    let second = seed_user(&app, "second@mm.test", Role::Admin);
    let (status, _) = parts(
        admin
            .send(Method::PATCH, &path, Some(&json!({"role": "manager"})))
            .await,
    )
    .await;
    assert_eq!(status, 200, "another admin exists now");
    let other = ApiClient::login(&app, "second@mm.test").await;
    let (status, b) = parts(
        other
            .send(
                Method::PATCH,
                &format!("/api/users/{}", second.id),
                Some(&json!({"status": "disabled"})),
            )
            .await,
    )
    .await;
    assert_eq!((status, b["code"].as_str()), (409, Some("last-admin")));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE role = 'admin' AND status = 'active'"
        ),
        1
    );
}

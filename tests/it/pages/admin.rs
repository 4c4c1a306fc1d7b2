//! Admin pages: people and roles, the audit log.

use super::assert_no_inline_code;
use crate::harness::TestApp;
use mm::config::Role;

#[tokio::test(flavor = "multi_thread")]
async fn admin_pages_list_people_and_the_audit_log() {
    use crate::harness::{ApiClient, seed_user};
    use mm::auth::Role as UserRole;
    use reqwest::Method;
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ada@mm.test", UserRole::Admin);
    let ed = seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "max@mm.test", UserRole::Manager);
    let ada = ApiClient::login(&app, "ada@mm.test").await;

    let res = ada.client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/admin/users");
    let html = ada
        .client
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_no_inline_code(&html);
    assert!(html.contains("ed@mm.test") && html.contains("max@mm.test"));
    assert!(html.contains(&format!(r#"data-path="/api/users/{}""#, ed.id)));
    assert!(html.contains("(you)"));

    // What admin.js sends when the role form is submitted; the page then shows it.
    let r = ada
        .send(
            Method::PATCH,
            &format!("/api/users/{}", ed.id),
            Some(&serde_json::json!({"role": "manager"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = ada
        .client
        .get(app.url("/admin/users?notice=user-updated"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("The change was saved."));
    let row = &html[html.find(&format!(r#"data-user-id="{}""#, ed.id)).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(r#"<option value="manager" selected>"#),
        "{row}"
    );

    let audit = ada
        .client
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_no_inline_code(&audit);
    assert!(audit.contains("<code>user.role</code>"), "{audit}");
    assert!(audit.contains("<code>login.success</code>"));
    // A manager reads the audit log but manages nobody: /admin leads there.
    let max = ApiClient::login(&app, "max@mm.test").await;
    let res = max.client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/admin/audit");
    assert_eq!(
        max.client
            .get(app.url("/admin/audit?before=nonsense"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

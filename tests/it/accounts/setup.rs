//! First run: while no account exists, `/setup` creates the first Admin; then it is gone,
//! and concurrent setups create exactly one admin.

use super::form_csrf;
use crate::harness::{PASSWORD, TestApp, count, new_client, parts, seed_user};
use mm::auth::Role;

async fn setup_form(app: &TestApp, client: &reqwest::Client) -> String {
    let r = client.get(app.url("/setup")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    form_csrf(&r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_creates_the_first_admin_then_answers_404() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let client = new_client();
    let r = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/setup")
    );

    let csrf = setup_form(&app, &client).await;
    let weak = client
        .post(app.url("/setup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "boss@mm.test"),
            ("display_name", "Boss"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 400);
    assert!(
        weak.text()
            .await
            .unwrap()
            .contains("at least 12 characters")
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM users"), 0);

    let done = client
        .post(app.url("/setup"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "Boss@MM.test"),
            ("display_name", "Boss"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let (status, me) = parts(client.get(app.url("/api/auth/me")).send().await.unwrap()).await;
    assert_eq!(status, 200, "setup signs the admin in");
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["user"]["email"], "boss@mm.test");

    let again = new_client();
    assert_eq!(
        again.get(app.url("/setup")).send().await.unwrap().status(),
        404
    );
    let r = again
        .post(app.url("/setup"))
        .form(&[
            ("csrf_token", "x"),
            ("email", "evil@mm.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM users"), 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM audit_log WHERE action = 'setup'"
        ),
        1
    );
    // Now the login page is a login page.
    assert_eq!(
        again.get(app.url("/login")).send().await.unwrap().status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_setups_create_exactly_one_admin() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    let mut forms = Vec::new();
    for i in 0..6 {
        let c = new_client();
        let csrf = setup_form(&app, &c).await;
        forms.push((c, csrf, format!("admin{i}@mm.test")));
    }
    let url = app.url("/setup");
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|(c, csrf, email)| {
            let url = url.clone();
            tokio::spawn(async move {
                c.post(url)
                    .form(&[
                        ("csrf_token", csrf.as_str()),
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [303, 404, 404, 404, 404, 404]);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM users WHERE role = 'admin'"),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_is_closed_once_any_account_exists() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "op@mm.test", Role::Viewer);
    assert_eq!(
        new_client()
            .get(app.url("/setup"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

//! Pages: a visitor without a session goes to the login page and comes back to the page they
//! asked for; the tokens page creates, shows once, and revokes; logout signs out.

use super::form_csrf;
use crate::harness::{ApiClient, PASSWORD, TestApp, count, new_client, seed_user};
use mm::auth::Role;
use reqwest::Method;

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_redirects_back_to_the_page_asked_for() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let c = new_client();
    let r = c
        .get(app.url("/account/tokens?sort=name"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to_login = location(&r);
    assert_eq!(to_login, "/login?next=%2Faccount%2Ftokens%3Fsort%3Dname");

    let page = c.get(app.url(&to_login)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"name="next" value="/account/tokens?sort=name""#),
        "{html}"
    );
    let csrf = form_csrf(&html);

    let wrong = c
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("next", "/account/tokens?sort=name"),
            ("email", "ed@mm.test"),
            ("password", "wrong wrong wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let html = wrong.text().await.unwrap();
    assert!(html.contains("The email or password is wrong."), "{html}");
    assert!(html.contains(r#"value="ed@mm.test""#), "the email is kept");

    let ok = c
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("next", "/account/tokens?sort=name"),
            ("email", "ed@mm.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/account/tokens?sort=name");
    let back = c
        .get(app.url("/account/tokens?sort=name"))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 200);
    assert!(back.text().await.unwrap().contains("<h1>API tokens</h1>"));

    // Signed in already: the login page sends you on.
    let r = c
        .get(app.url("/login?next=/account/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account/tokens".to_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn next_never_leaves_the_site() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let c = new_client();
    let html = c
        .get(app.url("/login?next=https://evil.test/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = form_csrf(&html);
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("next", "//evil.test/x"),
            ("email", "ed@mm.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tokens_page_creates_shows_once_and_revokes() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    seed_user(&app, "vic@mm.test", Role::Viewer);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let r = s
        .client
        .post(app.url("/account/tokens"))
        .form(&[
            ("csrf_token", s.csrf.as_str()),
            ("name", "render farm"),
            ("scope_assets:read", "on"),
            ("scope_uploads:create", "on"),
            ("ttl", "30d"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    let start = html.find(r#"<code id="new-token">"#).unwrap() + 21;
    let token = &html[start..start + html[start..].find('<').unwrap()];
    assert!(token.starts_with("mm_"), "{token}");
    let me = ApiClient::bearer(&app, token)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(
        me["permissions"],
        serde_json::json!(["assets:read", "uploads:create"])
    );

    let list = s
        .client
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("render farm"));
    assert!(!list.contains(token), "shown only once");
    let id: String = {
        let at = list.find("/account/tokens/").unwrap() + 16;
        list[at..at + 36].to_string()
    };
    let r = s
        .client
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .form(&[("csrf_token", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account/tokens".to_string())
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM api_tokens WHERE revoked_at IS NOT NULL"
        ),
        1
    );
    let r = ApiClient::bearer(&app, token)
        .send(Method::GET, "/api/auth/me", None)
        .await;
    assert_eq!(r.status(), 401);

    // A viewer may not manage tokens: an error page, not a redirect loop.
    let v = ApiClient::login(&app, "vic@mm.test").await;
    let r = v
        .client
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Forbidden"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_logout_form_signs_out() {
    let app = TestApp::spawn(mm::config::Role::Api).await;
    seed_user(&app, "ed@mm.test", Role::Editor);
    let s = ApiClient::login(&app, "ed@mm.test").await;
    let page = s
        .client
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"action="/logout""#));
    let r = s
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/login".to_string())
    );
    let r = s
        .client
        .get(app.url("/account/tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM sessions"), 0);
}

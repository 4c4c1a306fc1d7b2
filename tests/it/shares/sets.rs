//! Review sets end to end: made empty and filled, appended to, reordered, emptied, renamed and
//! deleted; every bad input a 4xx with the set unchanged and nothing audited; the bounds on
//! names, sizes and the number of sets; the library (API and page) in the set's order.

use super::share;
use crate::harness::TestApp;
use crate::harness::{ApiClient, count, exec, parts, seed_user};
use crate::review::{DF_2997, seed_video};
use mm::auth::Role as UserRole;
use mm::config::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

async fn call(who: &ApiClient, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    parts(who.send(method, path, body.as_ref()).await).await
}

fn ids(v: &Value) -> Vec<String> {
    v["asset_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

async fn page(who: &ApiClient, q: String) -> String {
    let r = who.send(Method::GET, &q, None).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn audited(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) AS n FROM audit_log WHERE action LIKE 'review_set.%'",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_set_is_made_filled_reordered_and_emptied_and_bad_input_changes_nothing() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vi@mm.test", UserRole::Viewer);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let vi = ApiClient::login(&app, "vi@mm.test").await;
    let (a, _) = seed_video(&app, DF_2997);
    let (b, _) = seed_video(&app, DF_2997);
    let (c, _) = seed_video(&app, DF_2997);
    let [a, b, c] = [a, b, c].map(|x| x.to_string());

    // Made empty, then filled.
    let (s, set) = call(
        &ed,
        Method::POST,
        "/api/review-sets",
        Some(json!({"name": "Client cut"})),
    )
    .await;
    assert_eq!(s, 201, "{set}");
    assert_eq!(ids(&set), Vec::<String>::new());
    let sid = set["id"].as_str().unwrap().to_string();
    let path = format!("/api/review-sets/{sid}");
    let add = format!("{path}/assets");
    // An empty set is not shared.
    let (s, e) = call(
        &ed,
        Method::POST,
        "/api/shares",
        Some(json!({"set_id": sid})),
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (400, Some("empty-set")));

    let (s, set) = call(&ed, Method::POST, &add, Some(json!({"asset_ids": [a, b]}))).await;
    assert_eq!(s, 200, "{set}");
    assert_eq!(ids(&set), [a.clone(), b.clone()]);
    // Appending keeps what is there in place and adds only what is new.
    let (_, set) = call(&ed, Method::POST, &add, Some(json!({"asset_ids": [b, c]}))).await;
    assert_eq!(ids(&set), [a.clone(), b.clone(), c.clone()]);
    // Reordered by sending the whole list.
    let (s, set) = call(
        &ed,
        Method::PATCH,
        &path,
        Some(json!({"asset_ids": [c, a, b]})),
    )
    .await;
    assert_eq!(s, 200, "{set}");
    assert_eq!(ids(&set), [c.clone(), a.clone(), b.clone()]);
    let (s, set) = call(&ed, Method::DELETE, &format!("{add}/{a}"), None).await;
    assert_eq!(s, 200, "{set}");
    assert_eq!(ids(&set), [c.clone(), b.clone()]);
    let (s, set) = call(&ed, Method::PATCH, &path, Some(json!({"name": " Final "}))).await;
    assert_eq!((s, set["name"].as_str()), (200, Some("Final")));

    // Every refusal leaves the set as it was and audits nothing.
    let before = (
        ids(&call(&ed, Method::GET, &path, None).await.1),
        audited(&app),
    );
    let unknown = Uuid::new_v4().to_string();
    let many: Vec<String> = (0..201).map(|_| Uuid::new_v4().to_string()).collect();
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": []})),
            400,
            "invalid-assets",
        ),
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": [unknown]})),
            404,
            "not-found",
        ),
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": [a, a]})),
            400,
            "invalid-assets",
        ),
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": many})),
            400,
            "invalid-assets",
        ),
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": ["x"]})),
            400,
            "invalid-json",
        ),
        (
            Method::POST,
            add.clone(),
            Some(json!({"asset_ids": [a], "at": 0})),
            400,
            "invalid-json",
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"asset_ids": many})),
            400,
            "invalid-assets",
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"name": "a\u{7}b"})),
            400,
            "invalid-name",
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"name": "  "})),
            400,
            "invalid-name",
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"name": "é".repeat(201)})),
            400,
            "invalid-name",
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({})),
            400,
            "nothing-to-change",
        ),
        (Method::DELETE, format!("{add}/{a}"), None, 404, "not-found"),
        (
            Method::DELETE,
            format!("{add}/not-a-uuid"),
            None,
            400,
            "invalid-path",
        ),
        (
            Method::POST,
            format!("/api/review-sets/{unknown}/assets"),
            Some(json!({"asset_ids": [a]})),
            404,
            "not-found",
        ),
        (
            Method::PATCH,
            format!("/api/review-sets/{unknown}"),
            Some(json!({"name": "x"})),
            404,
            "not-found",
        ),
        (
            Method::POST,
            "/api/review-sets".into(),
            Some(json!({"asset_ids": [a]})),
            400,
            "invalid-name",
        ),
    ];
    for (m, p, body, status, code) in cases {
        let (s, e) = call(&ed, m.clone(), &p, body.clone()).await;
        assert_eq!(
            (s, e["code"].as_str()),
            (status, Some(code)),
            "{m} {p} {body:?}: {e}"
        );
    }
    // A viewer reads the set but changes nothing.
    let (s, _) = call(&vi, Method::GET, &path, None).await;
    assert_eq!(s, 200);
    for (m, p, body) in [
        (Method::POST, add.clone(), Some(json!({"asset_ids": [a]}))),
        (Method::DELETE, format!("{add}/{c}"), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"asset_ids": [b, c]})),
        ),
        (Method::DELETE, path.clone(), None),
    ] {
        let (s, _) = call(&vi, m.clone(), &p, body).await;
        assert_eq!(s, 403, "{m} {p}");
    }
    let after = (
        ids(&call(&ed, Method::GET, &path, None).await.1),
        audited(&app),
    );
    assert_eq!(before, after);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM review_sets"), 1);

    // A deleted asset leaves the set's list; the set empties down to nothing and stays.
    exec(
        &app,
        &format!("UPDATE assets SET deleted_at = now() WHERE id = '{c}'"),
    );
    let (_, set) = call(&ed, Method::GET, &path, None).await;
    assert_eq!(ids(&set), std::slice::from_ref(&b));
    let (s, set) = call(&ed, Method::PATCH, &path, Some(json!({"asset_ids": []}))).await;
    assert_eq!((s, ids(&set).len()), (200, 0));

    // Deleting the set keeps the links made from it.
    call(&ed, Method::POST, &add, Some(json!({"asset_ids": [a]}))).await;
    let (link, _) = share(&ed, json!({"set_id": sid})).await;
    let (s, _) = call(&ed, Method::DELETE, &path, None).await;
    assert_eq!(s, 204);
    let (s, _) = call(&ed, Method::GET, &path, None).await;
    assert_eq!(s, 404);
    let (s, l) = call(&ed, Method::GET, &format!("/api/shares/{link}"), None).await;
    assert_eq!((s, l["state"].as_str()), (200, Some("active")), "{l}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_studio_keeps_at_most_500_sets() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    exec(
        &app,
        "INSERT INTO review_sets (id, name) \
         SELECT gen_random_uuid(), 'Old ' || n FROM generate_series(1, 499) AS n",
    );
    let body = json!({"name": "The 500th"});
    let (s, _) = call(&ed, Method::POST, "/api/review-sets", Some(body.clone())).await;
    assert_eq!(s, 201);
    let (s, e) = call(&ed, Method::POST, "/api/review-sets", Some(body)).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("too-many-sets")), "{e}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM review_sets"), 500);
    let (_, l) = call(&ed, Method::GET, "/api/review-sets", None).await;
    assert_eq!(l["review_sets"].as_array().unwrap().len(), 500);
    assert_eq!(l["review_sets"][0]["name"], "The 500th");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_shows_a_set_in_its_order_with_the_tools_by_permission() {
    let app = TestApp::spawn(Role::Api).await;
    seed_user(&app, "ed@mm.test", UserRole::Editor);
    seed_user(&app, "vi@mm.test", UserRole::Viewer);
    let ed = ApiClient::login(&app, "ed@mm.test").await;
    let vi = ApiClient::login(&app, "vi@mm.test").await;
    let (a, _) = seed_video(&app, DF_2997);
    let (b, _) = seed_video(&app, DF_2997);
    let (c, _) = seed_video(&app, DF_2997);
    let (outside, _) = seed_video(&app, DF_2997);
    for (id, title) in [
        (a, "Alpha cut"),
        (b, "Bravo cut"),
        (c, "Charlie cut"),
        (outside, "Other"),
    ] {
        exec(
            &app,
            &format!("UPDATE assets SET title = '{title}' WHERE id = '{id}'"),
        );
    }
    let (_, set) = call(
        &ed,
        Method::POST,
        "/api/review-sets",
        Some(json!({"name": "Spot <30s>", "asset_ids": [c, a, b]})),
    )
    .await;
    let sid = set["id"].as_str().unwrap().to_string();

    // The API: the set's order by default, another order when asked, `sort=set` only with a set.
    let listed = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, l) = call(&vi, Method::GET, &format!("/api/assets?set={sid}"), None).await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(listed(&l), [c, a, b].map(|x| x.to_string()));
    let (_, l) = call(
        &vi,
        Method::GET,
        &format!("/api/assets?set={sid}&sort=title"),
        None,
    )
    .await;
    assert_eq!(listed(&l), [a, b, c].map(|x| x.to_string()));
    let (_, l) = call(
        &vi,
        Method::GET,
        &format!("/api/assets?set={sid}&sort=set&per_page=1&page=2"),
        None,
    )
    .await;
    assert_eq!(
        (listed(&l), l["total"].as_i64()),
        (vec![a.to_string()], Some(3))
    );
    let (s, e) = call(&vi, Method::GET, "/api/assets?sort=set", None).await;
    assert_eq!((s, e["code"].as_str()), (400, Some("invalid-query")));

    // The page: the filter lists the set (its name escaped), the cards and the panel follow it.
    let html = page(&vi, format!("/?set={sid}")).await;
    assert!(
        html.contains(&format!(
            "<option value=\"{sid}\" selected>Spot &#60;30s&#62;</option>"
        )),
        "the filter names the set: {}",
        html.lines()
            .filter(|l| l.contains("Spot"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let at = |t: &str| html.find(t).unwrap_or_else(|| panic!("{t} missing"));
    assert!(at("data-set-panel") < at(&format!("data-set-item=\"{c}\"")));
    assert!(at(&format!("data-set-item=\"{c}\"")) < at(&format!("data-set-item=\"{a}\"")));
    assert!(at(&format!("data-set-item=\"{a}\"")) < at(&format!("data-set-item=\"{b}\"")));
    let cards: Vec<usize> = [c, a, b]
        .iter()
        .map(|x| at(&format!("<li class=\"card\" data-asset-id=\"{x}\"")))
        .collect();
    assert!(
        cards.windows(2).all(|w| w[0] < w[1]),
        "cards in the set's order"
    );
    assert!(!html.contains(&outside.to_string()));
    // A viewer filters and reads; the tools are for `shares:manage`.
    for tool in [
        "data-select",
        "data-set-add",
        "data-set-rename",
        "data-share-create",
        "data-set-delete",
    ] {
        assert!(!html.contains(tool), "a viewer sees no {tool}");
    }
    let html = page(&ed, format!("/?set={sid}")).await;
    for tool in [
        "data-select",
        "data-set-add",
        "data-set-rename",
        "data-share-create",
        "data-set-delete",
        "data-move=\"up\"",
    ] {
        assert!(html.contains(tool), "an editor has {tool}");
    }
    let html = page(&ed, "/".into()).await;
    assert!(html.contains(&outside.to_string()) && !html.contains("data-set-panel"));
    let html = page(&ed, format!("/?set={}", Uuid::new_v4())).await;
    assert!(html.contains("This review set does not exist"));
    let html = page(&ed, "/?sort=set".into()).await;
    assert!(html.contains("The set order needs a review set"));

    // The guest page of the set's link lists its assets in the set's order, and nothing else.
    let (_, token) = share(&ed, json!({"set_id": sid})).await;
    let r = super::guest()
        .get(app.url(&format!("/r/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let at = |t: &str| html.find(t).unwrap_or_else(|| panic!("{t} missing"));
    let links: Vec<usize> = [c, a, b]
        .iter()
        .map(|x| at(&format!("<a href=\"/r/{token}?asset={x}\"")))
        .collect();
    assert!(links.windows(2).all(|w| w[0] < w[1]), "the set's order");
    assert!(!html.contains(&outside.to_string()) && !html.contains(">Other<"));
}

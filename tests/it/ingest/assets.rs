//! The assets API: search over title, tags, file name and description, filters, sorts,
//! pages with a total, edits and their validation.

use super::Ingest;
use crate::harness::exec;
use mm::config::Role;
use serde_json::{Value, json};

fn titles(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

async fn seeded() -> Ingest {
    let t = Ingest::with_role(Role::Api, &[]).await;
    exec(
        &t.app,
        "INSERT INTO assets (id, title, description, tags, media_type, filename, size_bytes, status, created_at) \
         SELECT gen_random_uuid(), 'Clip ' || i, \
           CASE WHEN i % 10 = 0 THEN 'Aerial drone footage over the bay' ELSE '' END, \
           CASE WHEN i % 3 = 0 THEN ARRAY['b-roll'] ELSE ARRAY['interview'] END, \
           CASE WHEN i % 4 = 0 THEN 'audio' ELSE 'video' END, \
           'A' || lpad(i::text, 3, '0') || '_C001.mov', i * 1000, \
           CASE WHEN i % 5 = 0 THEN 'ready' ELSE 'stored' END, \
           timestamptz '2026-01-01 00:00:00+00' + make_interval(hours => i) \
         FROM generate_series(1, 120) i",
    );
    t
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_searches_filters_sorts_and_pages() {
    let t = seeded().await;
    let list = |q: &str| t.get(format!("/api/assets?{q}"));
    let (status, page) = list("").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (
            page["total"].as_i64(),
            page["pages"].as_i64(),
            page["per_page"].as_i64()
        ),
        (Some(120), Some(3), Some(50))
    );
    assert_eq!(titles(&page).len(), 50);
    assert_eq!(titles(&page)[..2], ["Clip 120", "Clip 119"]);
    let (_, last) = list("page=3").await;
    assert_eq!(titles(&last).len(), 20);
    assert_eq!(titles(&last).last().unwrap(), "Clip 1");
    let (_, beyond) = list("page=4").await;
    assert_eq!(
        (titles(&beyond).len(), beyond["total"].as_i64()),
        (0, Some(120))
    );

    let total = |v: &Value| v["total"].as_i64().unwrap();
    assert_eq!(total(&list("q=drone").await.1), 12, "description");
    assert_eq!(total(&list("q=DRO").await.1), 12, "prefixes and case");
    assert_eq!(total(&list("q=a005").await.1), 1, "file name parts");
    assert_eq!(total(&list("q=roll").await.1), 40, "tags");
    assert_eq!(
        total(&list("q=drone%20roll").await.1),
        4,
        "every word must match"
    );
    assert_eq!(
        total(&list("q=%27%29%3B%20--").await.1),
        120,
        "punctuation only: no search"
    );
    assert_eq!(titles(&list("q=clip%2017").await.1)[0], "Clip 17");
    assert_eq!(total(&list("status=ready").await.1), 24);
    assert_eq!(total(&list("media_type=audio").await.1), 30);
    assert_eq!(total(&list("status=ready&media_type=audio").await.1), 6);
    assert_eq!(total(&list("from=2026-01-03").await.1), 73);
    assert_eq!(
        total(&list("to=2026-01-01").await.1),
        23,
        "the whole day counts"
    );
    assert_eq!(
        total(&list("from=2026-01-02T00:00:00Z&to=2026-01-02").await.1),
        24
    );
    assert_eq!(
        titles(&list("sort=title&per_page=3").await.1),
        ["Clip 1", "Clip 10", "Clip 100"]
    );
    assert_eq!(titles(&list("sort=-size&per_page=1").await.1), ["Clip 120"]);
    assert_eq!(
        titles(&list("sort=created_at&per_page=1").await.1),
        ["Clip 1"]
    );

    // Pages never repeat or skip an asset.
    let mut seen = std::collections::HashSet::new();
    for p in 1..=3 {
        let (_, page) = list(&format!("sort=title&page={p}")).await;
        for a in page["items"].as_array().unwrap() {
            assert!(seen.insert(a["id"].as_str().unwrap().to_string()));
        }
    }
    assert_eq!(seen.len(), 120);

    exec(
        &t.app,
        "UPDATE assets SET deleted_at = now() WHERE title = 'Clip 120'",
    );
    assert_eq!(
        total(&list("").await.1),
        119,
        "deleted assets are not listed"
    );

    for bad in [
        "per_page=0",
        "per_page=101",
        "page=0",
        "status=lost",
        "media_type=text",
        "sort=random",
        "from=yesterday",
        "colour=red",
    ] {
        let (status, body) = list(bad).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid-query")),
            "{bad}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn assets_can_be_edited_and_bad_edits_change_nothing() {
    let t = seeded().await;
    let (_, page) = t.get("/api/assets?q=a007").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/assets/{id}");
    let patch = |body: Value| t.call(reqwest::Method::PATCH, &path, Some(body));

    let (status, a) = patch(json!({"title": "Harbour at dawn", "description": "Wide, golden light", "tags": [" Sunrise ", "harbour", "SUNRISE"]})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["title"], "Harbour at dawn");
    assert_eq!(a["tags"], json!(["sunrise", "harbour"]));
    let (_, found) = t.get("/api/assets?q=sunrise%20golden").await;
    assert_eq!(
        titles(&found),
        ["Harbour at dawn"],
        "the search index follows edits"
    );

    for (body, code) in [
        (json!({}), "nothing-to-change"),
        (json!({"title": ""}), "invalid-title"),
        (json!({"title": "x".repeat(201)}), "invalid-title"),
        (
            json!({"description": "y".repeat(5001)}),
            "invalid-description",
        ),
        (json!({"tags": [""]}), "invalid-tags"),
        (
            json!({"tags": (0..51).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "invalid-tags",
        ),
        (json!({"owner_id": "someone"}), "invalid-json"),
    ] {
        let (status, body) = patch(body.clone()).await;
        assert_eq!((status, body["code"].as_str()), (400, Some(code)), "{body}");
    }
    let (_, still) = t.get(&path).await;
    assert_eq!(still["title"], "Harbour at dawn");
    assert_eq!(still["tags"], json!(["sunrise", "harbour"]));
    let missing = format!("/api/assets/{}", uuid::Uuid::new_v4());
    assert_eq!(
        t.call(
            reqwest::Method::PATCH,
            &missing,
            Some(json!({"title": "x"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(t.get(&missing).await.0, 404);
    assert_eq!(t.call(reqwest::Method::DELETE, &missing, None).await.0, 404);
    assert_eq!(
        t.post(&format!("{missing}/reprocess"), json!({})).await.0,
        404
    );
}

/// Each listed asset carries the `public_state` and `label` its own `GET` answers, from the
/// one mapping in `mm::status`: a stored master whose latest preview job runs is processing.
#[tokio::test(flavor = "multi_thread")]
async fn listed_assets_say_what_state_people_see_as_one_asset_does() {
    let t = Ingest::with_role(Role::Api, &[]).await;
    let running = "00000000-0000-7000-8000-00000000000a";
    let ready = "00000000-0000-7000-8000-00000000000b";
    let failed = "00000000-0000-7000-8000-00000000000c";
    for (id, title, status) in [
        (running, "Running", "stored"),
        (ready, "Done", "ready"),
        (failed, "Broken", "failed"),
    ] {
        crate::harness::exec(
            &t.app,
            &format!(
                "INSERT INTO assets (id, title, media_type, filename, size_bytes, status) \
             VALUES ('{id}', '{title}', 'video', 'a.mov', 10, '{status}')"
            ),
        );
        crate::harness::exec(
            &t.app,
            &format!(
                "INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type, \
               size_bytes, staging_key, master_key, status) \
             VALUES ('{id}', '{id}', 1, 'a.mov', 'video/quicktime', 'video', 10, 's/{id}', \
               'm/{id}', '{status}')"
            ),
        );
        crate::harness::exec(
            &t.app,
            &format!(
                "UPDATE assets SET current_version_id = '{id}', version_count = 1 WHERE id = '{id}'"
            ),
        );
    }
    // An older failed attempt, then the run now going: the latest one counts.
    crate::harness::exec(
        &t.app,
        &format!(
            "INSERT INTO jobs (id, kind, state, asset_id, version_id, created_at) VALUES \
         (gen_random_uuid(), 'preview', 'failed', '{running}', '{running}', now() - interval '1 hour'), \
         (gen_random_uuid(), 'preview', 'running', '{running}', '{running}', now())"
        ),
    );

    let (status, page) = t.get("/api/assets?sort=title").await;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let states: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap(),
                a["public_state"].as_str().unwrap(),
                a["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("Broken", "failed", "Failed"),
            ("Done", "ready", "Ready"),
            ("Running", "processing", "Processing"),
        ]
    );
    for item in items {
        let id = item["id"].as_str().unwrap();
        let (status, one) = t.get(format!("/api/assets/{id}")).await;
        assert_eq!(status, 200, "{one}");
        assert_eq!(
            (&item["public_state"], &item["label"]),
            (&one["public_state"], &one["label"]),
            "{id}: the list and the asset agree"
        );
    }
    // Nothing is left running for the queue to find.
    crate::harness::exec(
        &t.app,
        "UPDATE jobs SET state = 'cancelled', finished_at = now()",
    );
}

//! The sweeper aborts uploads idle past MM_UPLOAD_TTL, deletes what storage held for them,
//! and two sweepers running at once expire each upload exactly once.

use super::{Ingest, MIB};
use crate::harness::{data, exec};
use mm::config::Role;
use mm::ingest::sweeper;
use mm::storage::Bucket;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn idle_uploads_are_swept_once_even_by_two_sweepers() {
    let t = Ingest::with_role(Role::Api, &[("MM_UPLOAD_TTL", "1h")]).await;
    let bytes = data(12 * MIB, 9);
    let multi = t
        .start_upload("idle_parts.mov", bytes.len(), json!({}))
        .await;
    t.send_parts(&multi, &bytes, &[1]).await;
    let single = t.start_upload("idle_single.mov", 5000, json!({})).await;
    let (status, _) = t
        .put(&single["url"], data(5000, 10), Some("video/quicktime"))
        .await;
    assert_eq!(status, 200);
    let active = t.start_upload("active.mov", 5000, json!({})).await;
    for u in [&multi, &single] {
        exec(
            &t.app,
            &format!(
                "UPDATE uploads SET last_activity_at = now() - interval '2 hours' WHERE id = '{}'",
                u["upload_id"].as_str().unwrap()
            ),
        );
    }

    let (a, b) = tokio::join!(sweeper::sweep(&t.state), sweeper::sweep(&t.state));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        2,
        "each idle upload expires exactly once"
    );
    assert_eq!(sweeper::sweep(&t.state).await.unwrap(), 0);

    for u in [&multi, &single] {
        let id = u["upload_id"].as_str().unwrap();
        let (_, state) = t.get(&format!("/api/uploads/{id}")).await;
        assert_eq!(state["state"], "expired");
        let (status, body) = t
            .post(&format!("/api/uploads/{id}/complete"), json!({}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("upload-expired"))
        );
        let key = u["staging_key"].as_str().unwrap();
        assert_eq!(t.object(Bucket::Staging, key).await, None);
    }
    let row = t
        .state
        .db
        .run({
            let id = uuid::Uuid::parse_str(multi["upload_id"].as_str().unwrap()).unwrap();
            move |c| mm::db::models::upload::find_for(c, id, None)
        })
        .await
        .unwrap()
        .unwrap();
    let parts = t
        .state
        .storage
        .list_parts(
            Bucket::Staging,
            &row.staging_key,
            row.storage_upload_id.as_deref().unwrap(),
        )
        .await;
    assert!(
        parts.is_err_and(|e| e.is_not_found()),
        "the multipart upload was aborted"
    );
    let (_, state) = t
        .get(&format!(
            "/api/uploads/{}",
            active["upload_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(state["state"], "uploading", "a fresh upload is left alone");
    let metrics = t.state.metrics.render();
    assert!(
        metrics.contains(r#"mm_uploads_failed_total{reason="expired",role="test"} 2"#),
        "{metrics}"
    );
}

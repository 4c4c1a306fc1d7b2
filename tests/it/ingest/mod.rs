//! Ingest: uploads end to end (single PUT and multipart, against local storage and S3),
//! resume and refresh, idempotent completion, every bad input, the sweeper, promotion
//! (checksum mismatch, retention, a worker killed mid-copy) and the assets API.

mod access;
mod assets;
mod bad_input;
mod flow;
mod killed_worker;
mod legacy;
mod promotion;
mod s3;
mod sweeper;

use crate::harness::{self, ApiClient, TestApp};
use futures_util::future::join_all;
use mm::auth::Role as UserRole;
use mm::config::Role;
use mm::db::models::job::JobRow;
use mm::db::models::users::User;
use mm::metrics::Metrics;
use mm::state::AppState;
use mm::storage::Bucket;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub const MIB: usize = 1 << 20;

/// Quick job timing, small part sizes and a low multipart threshold so tests stay small.
pub const FAST: &[(&str, &str)] = &[
    ("MM_JOB_HEARTBEAT", "1"),
    ("MM_JOB_VISIBILITY_TIMEOUT", "3"),
    ("MM_JOB_RECONCILE_INTERVAL", "1"),
    ("MM_JOB_BACKOFF_BASE", "1"),
    ("MM_JOB_MAX_ATTEMPTS", "3"),
    ("MM_MULTIPART_THRESHOLD", "10MiB"),
    ("MM_UPLOAD_PART_SIZE", "8MiB"),
];

pub struct Ingest {
    pub app: TestApp,
    pub state: AppState,
    /// A Manager (uploads, edits, deletes), calling with an API token.
    pub user: User,
    pub token: String,
}

impl Ingest {
    /// The whole app in one process (its worker promotes), with `extra` settings.
    pub async fn start(extra: &[(&str, &str)]) -> Ingest {
        Self::with_role(Role::All, extra).await
    }

    pub async fn with_role(role: Role, extra: &[(&str, &str)]) -> Ingest {
        let mut b = TestApp::builder(role);
        for (k, v) in FAST.iter().chain(extra) {
            b = b.env(k, *v);
        }
        Self::from_app(b.spawn().await).await
    }

    pub async fn from_app(app: TestApp) -> Ingest {
        let state = AppState::connect(Arc::new(app.config()), Metrics::new("test"))
            .await
            .expect("state connects");
        let (user, token) = harness::caller(&app, "manager@mm.test", UserRole::Manager);
        Ingest {
            app,
            state,
            user,
            token,
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: impl Into<String>,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.call_as(&self.token, method, path, body).await
    }

    /// A call with another caller's token.
    pub async fn call_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: impl Into<String>,
        body: Option<Value>,
    ) -> (u16, Value) {
        ApiClient::bearer(&self.app, token)
            .call(method, &path.into(), body.as_ref())
            .await
    }

    pub async fn post(&self, path: impl Into<String>, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, path: impl Into<String>) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST /api/uploads`, expecting 201.
    pub async fn start_upload(&self, filename: &str, size: usize, extra: Value) -> Value {
        let mut body =
            json!({"filename": filename, "size": size, "content_type": content_type_of(filename)});
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let (status, v) = self.post("/api/uploads", body).await;
        assert_eq!(status, 201, "{v}");
        v
    }

    /// Fresh URLs for `numbers`.
    pub async fn part_urls(&self, id: &str, numbers: &[u32]) -> Vec<Value> {
        let (status, v) = self
            .post(
                &format!("/api/uploads/{id}/parts"),
                json!({"part_numbers": numbers}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["parts"].as_array().unwrap().clone()
    }

    /// PUTs `body` to a presigned URL; returns the status and the ETag.
    pub async fn put(
        &self,
        url: &Value,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> (u16, String) {
        let mut req = self.app.client.put(url["url"].as_str().unwrap()).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let etag = r
            .headers()
            .get("etag")
            .map(|e| e.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, etag)
    }

    /// Sends parts `numbers` of `data` in parallel; returns `{part_number, etag}` for each.
    pub async fn send_parts(&self, upload: &Value, data: &[u8], numbers: &[u32]) -> Vec<Value> {
        let id = upload["upload_id"].as_str().unwrap();
        let part_size = upload["part_size"].as_u64().unwrap() as usize;
        let urls = self.part_urls(id, numbers).await;
        let puts = urls.iter().map(|u| {
            let n = u["part_number"].as_u64().unwrap() as usize;
            let chunk = data[(n - 1) * part_size..(n * part_size).min(data.len())].to_vec();
            assert_eq!(chunk.len() as u64, u["size"].as_u64().unwrap());
            async move {
                let (status, etag) = self.put(u, chunk, None).await;
                assert_eq!(status, 200, "part {n}");
                json!({"part_number": n, "etag": etag})
            }
        });
        join_all(puts).await
    }

    /// A whole upload: start, send every byte, complete. Returns the 202 body.
    pub async fn upload(&self, filename: &str, data: &[u8], extra: Value) -> Value {
        let up = self.start_upload(filename, data.len(), extra).await;
        let id = up["upload_id"].as_str().unwrap().to_string();
        let body = if up["kind"] == "multipart" {
            let count = up["part_count"].as_u64().unwrap() as u32;
            let numbers: Vec<u32> = (1..=count).collect();
            json!({"parts": self.send_parts(&up, data, &numbers).await})
        } else {
            let (status, _) = self
                .put(
                    &up["url"],
                    data.to_vec(),
                    up["headers"]["Content-Type"].as_str(),
                )
                .await;
            assert_eq!(status, 200);
            json!({})
        };
        let (status, done) = self
            .post(&format!("/api/uploads/{id}/complete"), body)
            .await;
        assert_eq!(status, 202, "{done}");
        done
    }

    pub async fn job(&self, id: Uuid) -> JobRow {
        harness::job(&self.state, id).await
    }

    /// Polls the job (`id` as the API gives it) until `done` holds.
    pub async fn wait_job(&self, id: &Value, done: impl Fn(&JobRow) -> bool) -> JobRow {
        let id = Uuid::parse_str(id.as_str().unwrap()).unwrap();
        harness::wait_job(&self.state, id, Duration::from_secs(120), done).await
    }

    /// An object's bytes, or `None` when storage has no such object.
    pub async fn object(&self, bucket: Bucket, key: &str) -> Option<Vec<u8>> {
        match self.state.storage.get(bucket, key, None).await {
            Ok(o) => Some(mm::storage::collect(o.body, 1 << 30).await.unwrap()),
            Err(e) if e.is_not_found() => None,
            Err(e) => panic!("storage: {e}"),
        }
    }
}

/// Asserts a refusal: this status, this code, and a message a person can read.
pub fn refused(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    assert!(
        answer.1["message"].as_str().is_some_and(|m| m.len() > 10),
        "{}",
        answer.1
    );
}

pub fn content_type_of(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "mov" => "video/quicktime",
        "mp4" => "video/mp4",
        "wav" => "audio/wav",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// Rows the role-by-route matrix needs for one call by `owner`: a stored asset, a job, an
/// open upload and a completed one (with its staging key), the asset's version, as
/// `{placeholder}` -> value.
pub fn seed_for_matrix(app: &TestApp, owner: Uuid) -> Vec<(&'static str, String)> {
    use diesel::RunQueryDsl;
    let comment = Uuid::new_v4();
    let (hook, hook_delivery) = (Uuid::new_v4(), Uuid::new_v4());
    let (a, v, j, u, d) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let mut c = app.db.conn();
    for q in [
        format!(
            "INSERT INTO assets (id, title, media_type, filename, size_bytes, status, version_count) \
             VALUES ('{a}', 'Matrix', 'video', 'm.mov', 10, 'stored', 1)"
        ),
        format!(
            "INSERT INTO asset_versions (id, asset_id, number, filename, content_type, media_type, size_bytes, \
             staging_key, master_key, status, stored_at) VALUES ('{v}', '{a}', 1, 'm.mov', 'video/quicktime', \
             'video', 10, 'staging/{d}/m.mov', 'masters/{a}/{v}/m.mov', 'stored', now())"
        ),
        format!("UPDATE assets SET current_version_id = '{v}' WHERE id = '{a}'"),
        format!(
            "INSERT INTO jobs (id, kind, payload, asset_id, version_id, state) VALUES ('{j}', 'promote', '{{}}', '{a}', '{v}', 'succeeded')"
        ),
        format!(
            "INSERT INTO uploads (id, owner_id, kind, filename, original_filename, content_type, media_type, size_bytes, staging_key) \
             VALUES ('{u}', '{owner}', 'single', 'm.mov', 'm.mov', 'video/quicktime', 'video', 10, 'staging/{u}/m.mov')"
        ),
        format!(
            "INSERT INTO uploads (id, owner_id, kind, state, filename, original_filename, content_type, media_type, size_bytes, \
             staging_key, asset_id, version_id, job_id) VALUES ('{d}', '{owner}', 'single', 'completed', 'm.mov', 'm.mov', \
             'video/quicktime', 'video', 10, 'staging/{d}/m.mov', '{a}', '{v}', '{j}')"
        ),
        // A comment by the caller, for the routes that act on one's own comment.
        format!(
            "INSERT INTO comments (id, asset_id, version_id, frame, body, author_id, author_name) \
             VALUES ('{comment}', '{a}', '{v}', 0, 'matrix', '{owner}', 'matrix')"
        ),
        // One webhook endpoint with one delivery; the previous call's are removed so their
        // number stays within the limit.
        "DELETE FROM webhook_endpoints".to_string(),
        format!(
            "INSERT INTO webhook_endpoints (id, url, events, secret) VALUES \
             ('{hook}', 'https://8.8.8.8/matrix', '{{asset.ready}}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')"
        ),
        format!(
            "INSERT INTO webhook_events (id, kind, payload) VALUES ('msg_{hook_delivery}', 'asset.ready', '{{}}')"
        ),
        format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, job_id) VALUES \
             ('{hook_delivery}', '{hook}', 'msg_{hook_delivery}', '{j}')"
        ),
    ] {
        diesel::sql_query(q).execute(&mut c).unwrap();
    }
    vec![
        ("{webhook}", hook.to_string()),
        ("{webhook_delivery}", hook_delivery.to_string()),
        ("{asset}", a.to_string()),
        ("{job}", j.to_string()),
        ("{upload}", u.to_string()),
        ("{done_upload}", d.to_string()),
        ("{done_key}", format!("staging/{d}/m.mov")),
        ("{version}", v.to_string()),
        ("{comment}", comment.to_string()),
    ]
}

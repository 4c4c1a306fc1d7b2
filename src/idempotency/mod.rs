//! `Idempotency-Key` for every `POST /api/...` that creates something: the first answer to a
//! key (status and body) is stored per user for 24 hours and replayed for the same request;
//! the same key with another request is refused with 422, and while the first request runs,
//! a second gets 409. Implemented once, as middleware on the `/api` scope.

use crate::db::Db;
use crate::db::models::idempotency::{self as model, Begin};
use crate::error::AppError;
use crate::state::AppState;
use actix_web::HttpMessage;
use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use uuid::Uuid;

pub const HEADER: &str = "idempotency-key";
/// Longest key accepted (a UUID is 36).
pub const MAX_KEY: usize = 255;
/// How long an answer is replayed.
pub const TTL_SECS: f64 = 86_400.0;
/// Largest request body read for hashing; creating routes take far less.
pub const MAX_REQUEST: usize = 4 << 20;
/// Largest answer stored; a bigger one is passed on without being kept for replay.
pub const MAX_STORED: u64 = 1 << 20;

/// Whether an answer is the outcome of the request (kept), or a refusal that may go away
/// (credentials, a conflict in progress, rate limits, server errors: the key is freed).
fn replayable(s: StatusCode) -> bool {
    (s.is_success() || s.is_client_error())
        && !matches!(s.as_u16(), 401 | 403 | 408 | 409 | 425 | 429)
}

fn bad_key() -> AppError {
    AppError::bad_request(
        "invalid-idempotency-key",
        format!("Idempotency-Key is 1 to {MAX_KEY} printable ASCII characters."),
    )
}

fn valid_key(raw: &[u8]) -> bool {
    !raw.is_empty() && raw.len() <= MAX_KEY && raw.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// SHA-256 of method, path with query, and body.
fn request_hash(method: &Method, path: &str, body: &[u8]) -> Vec<u8> {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(method.as_str().as_bytes());
    ctx.update(&[0]);
    ctx.update(path.as_bytes());
    ctx.update(&[0]);
    ctx.update(body);
    ctx.finish().as_ref().to_vec()
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(raw_key) = req.headers().get(HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Sign-in and sign-out make sessions, which a replay cannot hand out again.
    if req.method() != Method::POST || req.path().starts_with("/api/auth/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if !valid_key(raw_key.as_bytes()) {
        return Ok(req.error_response(bad_key()).map_into_boxed_body());
    }
    let key = String::from_utf8_lossy(raw_key.as_bytes()).into_owned();
    let Some(caller) = crate::auth::extract::caller_of(req.request()).await else {
        // Anonymous or refused credentials: the handler answers 401 as usual.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match read_body(&mut req).await {
        Ok(b) => b,
        Err(e) => return Ok(req.error_response(e).map_into_boxed_body()),
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str())
        .to_string();
    let hash = request_hash(req.method(), &path, &body);
    req.set_payload(actix_web::dev::Payload::from(body));
    let user = caller.user.id;
    let k = key.clone();
    let begun = state
        .db
        .run(move |c| model::begin(c, user, &k, &hash, TTL_SECS))
        .await;
    let begun = match begun {
        Ok(b) => b,
        Err(e) => return Ok(req.error_response(AppError::from(e)).map_into_boxed_body()),
    };
    match begun {
        Begin::Fresh => {}
        Begin::Mismatch => {
            let e = AppError::client(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "This Idempotency-Key was used with a different request; use a new key.",
            );
            return Ok(req.error_response(e).map_into_boxed_body());
        }
        Begin::InProgress => {
            let e = AppError::conflict(
                "idempotency-key-in-progress",
                "The first request with this Idempotency-Key is still running; retry shortly.",
            );
            return Ok(req.error_response(e).map_into_boxed_body());
        }
        Begin::Replay {
            status,
            content_type,
            body,
        } => {
            let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
            let mut res = HttpResponse::build(status);
            res.insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header(("idempotent-replayed", "true"));
            if let Some(ct) = content_type {
                res.insert_header((header::CONTENT_TYPE, ct));
            }
            return Ok(req.into_response(res.body(body)));
        }
    }
    let res = match next.call(req).await {
        Ok(r) => r.map_into_boxed_body(),
        Err(e) => {
            release(&state.db, user, &key).await;
            return Err(e);
        }
    };
    let status = res.status();
    let sized = matches!(res.response().body().size(), BodySize::Sized(n) if n <= MAX_STORED);
    if !replayable(status) || !sized {
        release(&state.db, user, &key).await;
        return Ok(res);
    }
    let (http_req, resp) = res.into_parts();
    let (resp, body) = resp.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(e) => {
            release(&state.db, user, &key).await;
            return Err(AppError::Internal(anyhow::anyhow!("response body: {e}")).into());
        }
    };
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (stored, code) = (bytes.clone(), status.as_u16() as i32);
    let k = key.clone();
    if let Err(e) = state
        .db
        .run(move |c| model::finish(c, user, &k, code, content_type.as_deref(), &stored))
        .await
    {
        // The request did its work; only the replay is lost. Free the key for a retry.
        tracing::warn!(error = %e, "idempotent answer not stored");
        release(&state.db, user, &key).await;
    }
    Ok(ServiceResponse::new(
        http_req,
        resp.set_body(BoxBody::new(bytes)),
    ))
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    let mut payload = req.take_payload();
    let mut buf = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::bad_request("invalid-body", format!("The request body broke off: {e}"))
        })?;
        if buf.len() + chunk.len() > MAX_REQUEST {
            return Err(AppError::client(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!(
                    "A request with an Idempotency-Key has at most {} MiB of body.",
                    MAX_REQUEST >> 20
                ),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn release(db: &Db, user: Uuid, key: &str) {
    let key = key.to_string();
    if let Err(e) = db.run(move |c| model::release(c, user, &key)).await {
        tracing::warn!(error = %e, "idempotency key not released; it expires by itself");
    }
}

/// Deletes expired keys; returns how many.
pub async fn sweep(db: &Db) -> Result<usize, crate::db::DbError> {
    let mut total = 0;
    loop {
        let n = db.run(|c| model::sweep(c, TTL_SECS)).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_replayable_answers() {
        assert!(valid_key(b"2f0c-4d2e"));
        assert!(!valid_key(b""));
        assert!(!valid_key(b"has space"));
        assert!(!valid_key(&[b'a'; MAX_KEY + 1]));
        assert!(valid_key(&[b'a'; MAX_KEY]));
        assert!(replayable(StatusCode::CREATED));
        assert!(replayable(StatusCode::BAD_REQUEST));
        assert!(!replayable(StatusCode::CONFLICT));
        assert!(!replayable(StatusCode::UNAUTHORIZED));
        assert!(!replayable(StatusCode::SERVICE_UNAVAILABLE));
        let a = request_hash(&Method::POST, "/api/uploads", b"{}");
        assert_ne!(a, request_hash(&Method::POST, "/api/tokens", b"{}"));
        assert_ne!(a, request_hash(&Method::POST, "/api/uploads", b"{ }"));
    }
}

//! Presigned URLs of the local storage backend, answered by the api role: PUT streams an object
//! or a multipart part to disk with bounded memory, GET and HEAD serve an object with Range.
//! The URL's signature is the only credential (that is what a presigned URL is for); with S3
//! storage these routes do not exist (404).

use super::openapi::Busy;
use crate::db::models::upload;
use crate::error::AppError;
use crate::error::ErrorBody;
use crate::limits::Slot;
use crate::state::AppState;
use crate::storage::local::presign::{self, Grant, Op, Rejection};
use crate::storage::{Bucket, ByteStream, PutOptions, RangeRequest, StorageError, validate_key};
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, get, head, put, web};
use bytes::Bytes;
use futures_util::StreamExt;
use std::time::{Duration, SystemTime};
use utoipa_actix_web::service_config::ServiceConfig;

/// Chunks buffered between the request body and the disk writer.
const PIPE_CHUNKS: usize = 8;

pub fn configure(cfg: &mut ServiceConfig) {
    // No size limit applies: `web::Payload` is a stream, never collected in memory.
    cfg.service(put_object)
        .service(get_object)
        .service(head_object);
}

fn rejected(status: StatusCode, code: &'static str, message: &str) -> AppError {
    AppError::client(status, code, message)
}

/// Checks the URL: local storage, well formed, signed by us, not expired, for one of `ops`.
fn authorize(req: &HttpRequest, state: &AppState, ops: &[Op]) -> Result<Grant, AppError> {
    // Only storage that answers its own presigned URLs has these routes.
    let Some(signer) = state.storage.own_url_signer() else {
        return Err(AppError::not_found(
            "Local presigned URLs are not configured.",
        ));
    };
    let malformed = |m: &str| {
        rejected(
            StatusCode::BAD_REQUEST,
            "malformed-url",
            &format!("This is not a valid storage URL: {m}."),
        )
    };
    // The raw path, decoded once here: the signature covers the decoded key exactly.
    let rest = req
        .uri()
        .path()
        .strip_prefix(presign::ROUTE_PREFIX)
        .ok_or_else(|| malformed("unexpected path"))?;
    let (bucket, raw_key) = rest
        .split_once('/')
        .ok_or_else(|| malformed("no object key"))?;
    let key = presign::decode_path(raw_key).ok_or_else(|| malformed("bad percent-encoding"))?;
    let (grant, signature) =
        presign::parse(bucket, &key, req.query_string()).map_err(|r| match r {
            Rejection::Malformed(m) => malformed(&m),
            _ => malformed("unreadable"),
        })?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    signer
        .verify(&grant, &signature, now)
        .map_err(|r| match r {
            Rejection::Expired => rejected(
                StatusCode::FORBIDDEN,
                "expired",
                "This link has expired; ask for a new one.",
            ),
            _ => rejected(
                StatusCode::FORBIDDEN,
                "bad-signature",
                "The signature does not match this URL.",
            ),
        })?;
    if !ops.contains(&grant.op) {
        return Err(rejected(
            StatusCode::FORBIDDEN,
            "bad-signature",
            &format!(
                "This URL was signed for {}, not {}.",
                grant.op.as_str(),
                req.method()
            ),
        ));
    }
    validate_key(&grant.key)?;
    Ok(grant)
}

fn header_str(req: &HttpRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// PUT: an object (`X-Mm-Op=put`) or a part (`X-Mm-Op=part`), streamed to storage.
///
/// Bounded whatever the client declares: at most MM_MAX_UPLOAD_BYTES (or the signed size)
/// are accepted (413 past it), a body idle for MM_UPLOAD_IDLE_TIMEOUT is dropped (408), and
/// at most MM_UPLOAD_CONCURRENT_PUTS PUTs run at once per object or part (429). Whatever
/// ends a PUT early, its temp file is removed.
#[utoipa::path(
    operation_id = "storage_put",
    tag = "storage",
    params(
        ("bucket" = String, Path, description = "staging, masters or previews."),
        ("key" = String, Path, description = "The object key (may contain `/`)."),
        ("X-Mm-Op" = Option<String>, Query, description = "What the URL was signed for: put, part or get."),
        ("X-Mm-Expires" = Option<i64>, Query, description = "Unix time the URL stops working."),
        ("X-Mm-Signature" = Option<String>, Query, description = "The URL's HMAC signature."),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The object's or part's bytes."),
    responses(
        (status = 200, description = "Stored; the `ETag` header names it."),
        (status = 400, description = "Not a valid storage URL, or a body that ended early.", body = ErrorBody),
        (status = 403, description = "A bad signature, or an expired URL.", body = ErrorBody),
        (status = 404, description = "Storage is not local: these URLs do not exist.", body = ErrorBody),
        (status = 408, description = "The body went idle.", body = ErrorBody),
        (status = 409, description = "The upload is closed or being completed.", body = ErrorBody),
        (status = 413, description = "More bytes than allowed or signed.", body = ErrorBody),
        Busy,
    ),
)]
#[put("/storage/{bucket}/{key:.*}")]
#[tracing::instrument(skip_all, fields(key = %req.path()))]
async fn put_object(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let grant = authorize(&req, &state, &[Op::Put, Op::Part])?;
    let sent_type = header_str(&req, header::CONTENT_TYPE).map(str::to_string);
    if let Some(signed) = &grant.content_type
        && sent_type.as_deref() != Some(signed.as_str())
    {
        return Err(rejected(
            StatusCode::FORBIDDEN,
            "bad-signature",
            &format!("This URL was signed for Content-Type {signed}."),
        ));
    }
    let declared = header_str(&req, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = grant.size
        && declared != Some(size)
    {
        return Err(AppError::bad_request(
            "size-mismatch",
            format!("This URL accepts a body of exactly {size} bytes, with Content-Length."),
        ));
    }
    let max = grant
        .size
        .unwrap_or(u64::MAX)
        .min(state.config.ingest.max_upload_bytes);
    if declared.is_some_and(|d| d > max) {
        return Err(too_large(max));
    }
    let _slots = take_slots(&state, &grant)?;
    if grant.op == Op::Put && grant.bucket == Bucket::Staging {
        refuse_closed_upload(&state, &grant.key).await?;
    }

    let idle = state.config.limits.upload_idle_timeout;
    let (body, pump) = bounded_body(payload, max, idle);
    let storage = state.storage.clone();
    let store = async {
        match grant.op {
            Op::Part => {
                let (id, n) = (grant.upload_id.clone(), grant.part_number);
                let (Some(id), Some(n)) = (id, n) else {
                    return Err(StorageError::InvalidPart("no part in URL".into()));
                };
                storage
                    .upload_part(grant.bucket, &grant.key, &id, n, body)
                    .await
                    .map(|p| p.etag)
            }
            _ => {
                let opts = PutOptions {
                    // Only a signed type is kept: a type the sender chose alone (text/html,
                    // image/svg+xml) would later be served from mm's origin.
                    content_type: Some(
                        grant
                            .content_type
                            .clone()
                            .unwrap_or_else(|| "application/octet-stream".into()),
                    ),
                    ..PutOptions::default()
                };
                storage
                    .put(grant.bucket, &grant.key, body, opts)
                    .await
                    .map(|m| m.etag)
            }
        }
    };
    let (ended, stored) = futures_util::future::join(pump, store).await;
    match ended {
        BodyEnd::Complete => {}
        BodyEnd::TooLarge => return Err(too_large(max)),
        BodyEnd::Idle => {
            return Err(AppError::client(
                StatusCode::REQUEST_TIMEOUT,
                "upload-idle",
                format!(
                    "The upload sent nothing for {} s (MM_UPLOAD_IDLE_TIMEOUT) and was dropped; nothing was stored.",
                    idle.as_secs()
                ),
            ));
        }
        BodyEnd::Broken(e) => {
            return Err(AppError::bad_request(
                "incomplete-body",
                format!("The request body ended early ({e}); nothing was stored."),
            ));
        }
    }
    let etag = stored?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

fn too_large(max: u64) -> AppError {
    AppError::client(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too-large",
        format!(
            "The body is larger than the {max} bytes this upload accepts (MM_MAX_UPLOAD_BYTES or the size declared at start); nothing was stored."
        ),
    )
}

/// Slots for this PUT: one of its object or part, one of its upload's (every part of one
/// multipart upload together). A leaked URL cannot be replayed by many connections at once.
fn take_slots(state: &AppState, grant: &Grant) -> Result<Vec<Slot>, AppError> {
    let per = state.config.limits.concurrent_puts;
    let object = format!("{}/{}", grant.bucket.as_str(), grant.key);
    let mut keys = vec![(object.clone(), per)];
    if let (Some(id), Some(n)) = (&grant.upload_id, grant.part_number) {
        keys = vec![
            (format!("{object}#{id}"), per * 16),
            (format!("{object}#{id}#{n}"), per),
        ];
    }
    let mut slots = Vec::with_capacity(keys.len());
    for (key, max) in keys {
        let slot = state.puts.try_take(&key, max).ok_or_else(|| {
            AppError::TooManyRequests {
                retry_after: 5,
                message: format!(
                    "{max} uploads to this URL are already in progress (MM_UPLOAD_CONCURRENT_PUTS); wait for them to finish."
                ),
            }
        })?;
        slots.push(slot);
    }
    Ok(slots)
}

/// A single-PUT URL works only while its upload is open: replayed after complete or abort,
/// it would write an orphan staging object nothing ever removes.
async fn refuse_closed_upload(state: &AppState, key: &str) -> Result<(), AppError> {
    let k = key.to_string();
    let found = state
        .db
        .run(move |c| upload::find_by_staging_key(c, &k))
        .await?;
    match found {
        Some(u) if u.state != "uploading" => Err(AppError::conflict(
            "upload-closed",
            format!(
                "This upload is {}; its URL no longer accepts data. Start a new upload.",
                u.state
            ),
        )),
        Some(u) if u.completing_since.is_some() => Err(AppError::conflict(
            "upload-closed",
            "This upload is being completed; its URL no longer accepts data.",
        )),
        _ => Ok(()),
    }
}

/// How the request body ended.
enum BodyEnd {
    Complete,
    TooLarge,
    Idle,
    Broken(String),
}

/// The request body as a `ByteStream` for storage, and the pump that feeds it: at most `max`
/// bytes, each chunk within `idle` of the last. Past either bound the stream ends with an
/// error, so the storage write fails and removes its temp file.
fn bounded_body(
    mut payload: web::Payload,
    max: u64,
    idle: Duration,
) -> (ByteStream, impl std::future::Future<Output = BodyEnd>) {
    // actix's payload is not Send; a bounded channel hands its chunks to the storage writer,
    // so at most PIPE_CHUNKS chunks are in memory whatever the body's size.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(PIPE_CHUNKS);
    let body: ByteStream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let pump = async move {
        let mut seen = 0u64;
        let end = loop {
            let next = match tokio::time::timeout(idle, payload.next()).await {
                Err(_) => break BodyEnd::Idle,
                Ok(None) => break BodyEnd::Complete,
                Ok(Some(Err(e))) => break BodyEnd::Broken(e.to_string()),
                Ok(Some(Ok(chunk))) => chunk,
            };
            seen += next.len() as u64;
            if seen > max {
                break BodyEnd::TooLarge;
            }
            if tx.send(Ok(next)).await.is_err() {
                // Storage stopped reading (it failed); its error is the answer.
                break BodyEnd::Complete;
            }
        };
        if !matches!(end, BodyEnd::Complete) {
            let _ = tx
                .send(Err(std::io::Error::other("upload body refused")))
                .await;
        }
        end
    };
    (body, pump)
}

/// GET and HEAD: the object, or one byte range of it.
#[utoipa::path(
    operation_id = "storage_get",
    tag = "storage",
    params(
        ("bucket" = String, Path, description = "staging, masters or previews."),
        ("key" = String, Path, description = "The object key (may contain `/`)."),
        ("X-Mm-Op" = Option<String>, Query, description = "What the URL was signed for: put, part or get."),
        ("X-Mm-Expires" = Option<i64>, Query, description = "Unix time the URL stops working."),
        ("X-Mm-Signature" = Option<String>, Query, description = "The URL's HMAC signature."),
    ),
    responses(
        (status = 200, description = "The object.", content_type = "*/*", body = Vec<u8>),
        (status = 206, description = "One byte range of it.", content_type = "*/*", body = Vec<u8>),
        (status = 400, description = "Not a valid storage URL.", body = ErrorBody),
        (status = 403, description = "A bad signature, or an expired URL.", body = ErrorBody),
        (status = 404, description = "No such object, or storage is not local.", body = ErrorBody),
        (status = 416, description = "The range lies outside the object.", body = ErrorBody),
    ),
)]
#[get("/storage/{bucket}/{key:.*}")]
async fn get_object(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    serve(req, state).await
}

/// HEAD: GET's headers without the body.
#[utoipa::path(
    operation_id = "storage_head",
    tag = "storage",
    params(
        ("bucket" = String, Path, description = "staging, masters or previews."),
        ("key" = String, Path, description = "The object key (may contain `/`)."),
        ("X-Mm-Op" = Option<String>, Query, description = "What the URL was signed for: get."),
        ("X-Mm-Expires" = Option<i64>, Query, description = "Unix time the URL stops working."),
        ("X-Mm-Signature" = Option<String>, Query, description = "The URL's HMAC signature."),
    ),
    responses(
        (status = 200, description = "The object's headers."),
        (status = 206, description = "One byte range's headers."),
        (status = 400, description = "Not a valid storage URL."),
        (status = 403, description = "A bad signature, or an expired URL."),
        (status = 404, description = "No such object, or storage is not local."),
        (status = 416, description = "The range lies outside the object."),
    ),
)]
#[head("/storage/{bucket}/{key:.*}")]
async fn head_object(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    serve(req, state).await
}

#[tracing::instrument(skip_all, fields(key = %req.path()))]
async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let grant = authorize(&req, &state, &[Op::Get])?;
    let range = header_str(&req, header::RANGE).and_then(RangeRequest::parse_header);
    let obj = match state.storage.get(grant.bucket, &grant.key, range).await {
        Err(StorageError::RangeNotSatisfiable { size }) => {
            return Ok(crate::storage::range::unsatisfiable(size));
        }
        other => other?,
    };
    let meta = &obj.meta;
    let mut resp = match obj.range {
        Some(r) => {
            let mut b = HttpResponse::PartialContent();
            b.insert_header((header::CONTENT_RANGE, r.content_range(meta.size)));
            b
        }
        None => HttpResponse::Ok(),
    };
    let len = obj.range.map_or(meta.size, |r| r.len());
    resp.insert_header((
        header::CONTENT_TYPE,
        meta.content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into()),
    ))
    .insert_header((header::ETAG, meta.etag.clone()))
    .insert_header(header::LastModified(HttpDate::from(SystemTime::from(
        meta.last_modified,
    ))))
    .insert_header((header::ACCEPT_RANGES, "bytes"))
    .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag"))
    .insert_header((header::CACHE_CONTROL, "private, max-age=0"));
    if let Some(name) = &grant.download_name {
        resp.insert_header((
            header::CONTENT_DISPOSITION,
            crate::storage::content_disposition(name),
        ));
    }
    Ok(resp.body(SizedStream::new(len, obj.body)))
}

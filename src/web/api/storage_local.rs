//! Presigned URLs of the local storage backend, answered by the api role: PUT streams an object
//! or a multipart part to disk with bounded memory, GET and HEAD serve an object with Range.
//! The URL's signature is the only credential (that is what a presigned URL is for); with S3
//! storage these routes do not exist (404).

use crate::error::{AppError, ErrorBody};
use crate::state::AppState;
use crate::storage::local::presign::{self, Grant, Op, Rejection, Signer};
use crate::storage::{ByteStream, PutOptions, RangeRequest, StorageError, validate_key};
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HttpDate};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use futures_util::StreamExt;
use std::time::SystemTime;

/// Chunks buffered between the request body and the disk writer.
const PIPE_CHUNKS: usize = 8;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // No size limit applies: `web::Payload` is a stream, never collected in memory.
    cfg.service(
        web::resource("/storage/{bucket}/{key:.*}")
            .route(web::put().to(put))
            .route(web::get().to(get))
            .route(web::head().to(get)),
    );
}

fn rejected(status: StatusCode, code: &'static str, message: &str) -> AppError {
    AppError::client(status, code, message)
}

/// Checks the URL: local storage, well formed, signed by us, not expired, for one of `ops`.
fn authorize(req: &HttpRequest, state: &AppState, ops: &[Op]) -> Result<Grant, AppError> {
    if state.storage.backend() != "local" {
        return Err(AppError::not_found("No such route."));
    }
    let Some(signer) = Signer::from_config(&state.config) else {
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
async fn put(
    req: HttpRequest,
    mut payload: web::Payload,
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
    if let Some(size) = grant.size {
        let declared = header_str(&req, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        if declared != Some(size) {
            return Err(AppError::bad_request(
                "size-mismatch",
                format!("This URL accepts a body of exactly {size} bytes, with Content-Length."),
            ));
        }
    }

    // actix's payload is not Send; a bounded channel hands its chunks to the storage writer,
    // so at most PIPE_CHUNKS chunks are in memory whatever the body's size.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(PIPE_CHUNKS);
    let body: ByteStream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let mut broken: Option<String> = None;
    let pump = async {
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| {
                broken = Some(e.to_string());
                std::io::Error::other(e.to_string())
            });
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
        drop(tx);
    };
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
                    content_type: grant.content_type.clone().or(sent_type.clone()),
                    ..PutOptions::default()
                };
                storage
                    .put(grant.bucket, &grant.key, body, opts)
                    .await
                    .map(|m| m.etag)
            }
        }
    };
    let ((), stored) = futures_util::future::join(pump, store).await;
    if let Some(e) = broken {
        return Err(AppError::bad_request(
            "incomplete-body",
            format!("The request body ended early ({e}); nothing was stored."),
        ));
    }
    let etag = stored?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// GET and HEAD: the object, or one byte range of it.
async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let grant = authorize(&req, &state, &[Op::Get])?;
    let range = header_str(&req, header::RANGE).and_then(RangeRequest::parse_header);
    let obj = match state.storage.get(grant.bucket, &grant.key, range).await {
        Err(StorageError::RangeNotSatisfiable { size }) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .json(ErrorBody {
                    code: "range-not-satisfiable",
                    message: "The requested range is outside the object.",
                }));
        }
        other => other?,
    };
    let meta = &obj.meta;
    let mut resp = match obj.range {
        Some(r) => {
            let mut b = HttpResponse::PartialContent();
            b.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end, meta.size),
            ));
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

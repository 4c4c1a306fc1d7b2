//! AppError: the one place where failures become HTTP statuses and `{code, message}` bodies.

use crate::db::DbError;
use crate::redis_pool::RedisError;
use crate::storage::StorageError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client mistake with its own status and stable code.
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Too many attempts; the client may retry after this many seconds.
    #[error("{message}")]
    TooManyRequests { retry_after: u64, message: String },
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("redis: {0}")]
    Redis(#[from] RedisError),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// A dependency is down; the client may retry.
    #[error("{0}")]
    Unavailable(String),
    /// The origin behind the edge (S3) failed (502) or did not answer in time (504).
    #[error("origin: {detail}")]
    Origin { timed_out: bool, detail: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

impl AppError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::client(StatusCode::NOT_FOUND, "not-found", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, code, message)
    }
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
        }
    }

    /// The stable, kebab-case code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Client { code, .. } => code,
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Db(e) if e.is_unavailable() => "database-unavailable",
            AppError::Db(DbError::NotFound) => "not-found",
            AppError::Db(DbError::Conflict(_)) => "conflict",
            AppError::Redis(_) => "redis-unavailable",
            AppError::Storage(e) if e.code().is_some() => e.code().unwrap_or("bad-request"),
            AppError::Storage(e) if e.is_not_found() => "not-found",
            AppError::Storage(e) if e.is_unavailable() => "storage-unavailable",
            AppError::Storage(e) if e.is_client_error() => "bad-request",
            AppError::Unavailable(_) => "unavailable",
            AppError::Origin {
                timed_out: true, ..
            } => "origin-timeout",
            AppError::Origin { .. } => "origin-unavailable",
            _ => "internal",
        }
    }

    /// What the client is told: the error itself for 4xx, a generic line for 5xx.
    pub fn public_message(&self) -> String {
        match self.status_code() {
            s if s.is_client_error() => self.to_string(),
            StatusCode::SERVICE_UNAVAILABLE => match self {
                AppError::Db(_) => "The database is unavailable; try again shortly.".into(),
                AppError::Redis(_) => "The queue is unavailable; try again shortly.".into(),
                AppError::Storage(_) => "Storage is unavailable; try again shortly.".into(),
                _ => "A service mm depends on is unavailable; try again shortly.".into(),
            },
            _ if matches!(self, AppError::Origin { .. }) => {
                "The storage behind the edge did not answer; try again shortly.".into()
            }
            _ => "Something went wrong on our side; it has been logged.".into(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Client { status, .. } => *status,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(DbError::NotFound) => StatusCode::NOT_FOUND,
            AppError::Db(DbError::Conflict(_)) => StatusCode::CONFLICT,
            AppError::Db(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Redis(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Storage(StorageError::RangeNotSatisfiable { .. }) => {
                StatusCode::RANGE_NOT_SATISFIABLE
            }
            AppError::Storage(StorageError::Retained(_)) => StatusCode::CONFLICT,
            AppError::Storage(StorageError::TooLarge(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Storage(e) if e.is_not_found() => StatusCode::NOT_FOUND,
            AppError::Storage(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Storage(e) if e.is_client_error() => StatusCode::BAD_REQUEST,
            AppError::Origin {
                timed_out: true, ..
            } => StatusCode::GATEWAY_TIMEOUT,
            AppError::Origin { .. } => StatusCode::BAD_GATEWAY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, code = self.code(), "request failed");
        }
        let message = self.public_message();
        let mut resp = HttpResponse::build(status);
        match self {
            AppError::TooManyRequests { retry_after, .. } => {
                resp.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ if status == StatusCode::SERVICE_UNAVAILABLE => {
                resp.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            _ => {}
        }
        resp.insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ErrorBody {
                code: self.code(),
                message: &message,
            })
    }
}

/// Turns actix extractor failures (bad JSON, oversized bodies, bad paths) into `{code, message}`.
pub fn json_config(limit: usize) -> actix_web::web::JsonConfig {
    actix_web::web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| {
            use actix_web::error::JsonPayloadError as E;
            let e = match &err {
                E::Overflow { .. } | E::OverflowKnownLength { .. } => AppError::client(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload-too-large",
                    format!("The request body is larger than {limit} bytes."),
                ),
                E::ContentType => AppError::client(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Send the body as application/json.",
                ),
                E::Deserialize(d) => {
                    AppError::bad_request("invalid-json", format!("Invalid JSON body: {d}"))
                }
                other => {
                    AppError::bad_request("invalid-body", format!("Invalid request body: {other}"))
                }
            };
            e.into()
        })
}

pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|err, _req| {
        AppError::bad_request("invalid-query", format!("Invalid query string: {err}")).into()
    })
}

pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default().error_handler(|err, _req| {
        AppError::bad_request("invalid-path", format!("Invalid path: {err}")).into()
    })
}

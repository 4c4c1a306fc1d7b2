//! SDK errors classified into `StorageError`: what is the caller's mistake (missing key, bad
//! part, bad range), what is an outage worth retrying later (timeouts, connection failures,
//! 5xx, SlowDown), and what is a misconfiguration.

use crate::storage::StorageError;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// The S3 error code of a failed call, if the service answered.
pub(super) fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

/// Maps a failed call about `what` (a key, an upload id, a bucket) into a `StorageError`.
pub(super) fn map<E>(
    err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    what: &str,
) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = || format!("{what}: {}", DisplayErrorContext(&err));
    match &err {
        SdkError::TimeoutError(_) => StorageError::Unavailable(format!("{what}: timed out")),
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StorageError::Unavailable(detail())
        }
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let message = se.err().message().unwrap_or("").to_string();
            match se.err().code() {
                Some("NoSuchBucket") => StorageError::Backend(format!(
                    "{what}: the bucket does not exist; run `mm storage init`"
                )),
                Some("NoSuchKey" | "NotFound") => StorageError::NotFound(what.to_string()),
                Some("NoSuchUpload") => StorageError::NoSuchUpload(what.to_string()),
                Some("InvalidPart" | "InvalidPartOrder" | "EntityTooSmall") => {
                    StorageError::InvalidPart(format!("{what}: {message}"))
                }
                Some("InvalidRange") => StorageError::RangeNotSatisfiable { size: 0 },
                Some(
                    "SlowDown"
                    | "ServiceUnavailable"
                    | "RequestTimeout"
                    | "InternalError"
                    | "RequestTimeTooSkewed",
                ) => StorageError::Unavailable(detail()),
                _ if status == 416 => StorageError::RangeNotSatisfiable { size: 0 },
                _ if status >= 500 => StorageError::Unavailable(detail()),
                None if status == 404 => StorageError::NotFound(what.to_string()),
                _ => StorageError::Backend(detail()),
            }
        }
        _ => StorageError::Backend(detail()),
    }
}

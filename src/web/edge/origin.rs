//! Streaming from S3 without the disk cache (cache off, or an object too large for it): HEAD
//! and conditional requests ask for the metadata first, a GET passes its one range on, and
//! every origin call runs under MM_EDGE_ORIGIN_TIMEOUT.

use super::EdgeState;
use super::body;
use super::deliver::{not_found, object_head, unsatisfiable};
use super::respond::{self, Ranged, Validators};
use crate::error::AppError;
use crate::storage::{Bucket, ObjectMeta, RangeRequest, StorageError};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use std::time::Instant;

impl EdgeState {
    /// Streams from S3: HEAD (and conditional GETs) ask for the metadata first; a GET passes
    /// its single range on to S3.
    pub(super) async fn passthrough(
        &self,
        req: &HttpRequest,
        key: &str,
    ) -> Result<HttpResponse, AppError> {
        let conditional = [
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_RANGE,
        ]
        .iter()
        .any(|h| req.headers().contains_key(h));
        let is_head = req.method() == Method::HEAD;
        let range = if conditional || is_head {
            let meta = self
                .origin("head", self.storage.head(Bucket::Previews, key))
                .await?;
            let v = validators(&meta);
            let mut res = object_head(key, &v);
            if v.not_modified(req) {
                return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
            }
            if is_head {
                return Ok(res.body(body::empty(meta.size)));
            }
            respond::requested(req, &v)
        } else {
            req.headers()
                .get(header::RANGE)
                .and_then(|h| h.to_str().ok())
                .and_then(RangeRequest::parse_header)
                .map_or(Ranged::Whole, Ranged::One)
        };
        let range = match range {
            Ranged::Whole => None,
            Ranged::One(r) => Some(r),
        };
        let got = match self
            .origin("get", self.storage.get(Bucket::Previews, key, range))
            .await
        {
            Err(OriginError::Storage(StorageError::RangeNotSatisfiable { size })) => {
                return Ok(unsatisfiable(size));
            }
            other => other?,
        };
        let mut res = object_head(key, &validators(&got.meta));
        let len = match got.range {
            Some(r) => {
                res.status(StatusCode::PARTIAL_CONTENT);
                res.insert_header((header::CONTENT_RANGE, r.content_range(got.meta.size)));
                r.len()
            }
            None => got.meta.size,
        };
        let sent = self.edge_metrics.bytes_sent.clone();
        Ok(res.body(body::origin(got.body, len, self.origin_timeout, sent)))
    }

    /// Runs one origin call under the origin timeout, timing it.
    async fn origin<T>(
        &self,
        op: &str,
        call: impl Future<Output = Result<T, StorageError>>,
    ) -> Result<T, OriginError> {
        let start = Instant::now();
        let r = tokio::time::timeout(self.origin_timeout, call).await;
        self.edge_metrics
            .origin_seconds
            .with_label_values(&[op])
            .observe(start.elapsed().as_secs_f64());
        match r {
            Err(_) => Err(OriginError::Timeout),
            Ok(r) => r.map_err(OriginError::Storage),
        }
    }
}

enum OriginError {
    Timeout,
    Storage(StorageError),
}

impl From<OriginError> for AppError {
    fn from(e: OriginError) -> Self {
        match e {
            OriginError::Timeout => AppError::Origin {
                timed_out: true,
                detail: "no answer within MM_EDGE_ORIGIN_TIMEOUT".into(),
            },
            OriginError::Storage(e) if e.is_not_found() => not_found(),
            OriginError::Storage(StorageError::InvalidKey(_)) => {
                AppError::bad_request("bad-path", "The object path is not a valid storage key.")
            }
            OriginError::Storage(e) => AppError::Origin {
                timed_out: false,
                detail: e.to_string(),
            },
        }
    }
}

fn validators(meta: &ObjectMeta) -> Validators<'_> {
    Validators {
        etag: &meta.etag,
        last_modified: meta.last_modified.unix_timestamp(),
    }
}

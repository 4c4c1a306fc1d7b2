//! Delivery of an authorized object: from the memory tier or a local file (local storage), from
//! the disk cache (S3), or streamed from S3 (`origin.rs`) when the cache is off or the object
//! too large for it.

use super::EdgeState;
use super::body;
use super::hot::FileId;
use super::respond::{self, Ranged, Validators};
use crate::edge_cache::{FillError, Lookup};
use crate::error::AppError;
use crate::storage::{Bucket, StorageError};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use bytes::Bytes;
use std::fs::File;
use std::time::UNIX_EPOCH;

impl EdgeState {
    pub(super) async fn deliver(
        &self,
        req: &HttpRequest,
        key: &str,
    ) -> Result<HttpResponse, AppError> {
        if let Some(path) = self.storage.local_path(Bucket::Previews, key) {
            return self.serve_local(req, key, &path).await;
        }
        let Some(cache) = &self.cache else {
            return self.passthrough(req, key).await;
        };
        // Playlists and manifests are rewritten on reprocessing: the cache checks back with S3
        // as often as clients are told to.
        let fresh_for =
            respond::fresh_secs(respond::kind(key).1).map(std::time::Duration::from_secs);
        match cache.get(key, fresh_for).await {
            Ok(Lookup::Hit(obj)) => {
                let v = Validators {
                    etag: &obj.meta.etag,
                    last_modified: obj.meta.last_modified,
                };
                let id = FileId::of(&obj.file.metadata().map_err(disk_error)?);
                let file = (obj.file, obj.data_offset);
                self.serve_file(req, key, &v, id, file, obj.meta.size).await
            }
            Ok(Lookup::TooLarge) => self.passthrough(req, key).await,
            Err(FillError::Disk(why)) => {
                tracing::warn!(error = %why, "edge cache disk failed; serving from the origin");
                self.passthrough(req, key).await
            }
            Err(FillError::NotFound) => Err(not_found()),
            Err(FillError::BadKey) => Err(AppError::bad_request(
                "bad-path",
                "The object path is not a valid storage key.",
            )),
            Err(FillError::Timeout) => Err(AppError::Origin {
                timed_out: true,
                detail: "cache fill".into(),
            }),
            Err(FillError::Origin(detail)) => Err(AppError::Origin {
                timed_out: false,
                detail,
            }),
        }
    }

    /// A local object: from the memory tier when its file is there unchanged, else from the
    /// file.
    async fn serve_local(
        &self,
        req: &HttpRequest,
        key: &str,
        path: &std::path::Path,
    ) -> Result<HttpResponse, AppError> {
        let md = std::fs::metadata(path).map_err(local_error)?;
        if !md.is_file() {
            return Err(not_found());
        }
        let (etag, last_modified) = local_validators(&md);
        let v = Validators {
            etag: &etag,
            last_modified,
        };
        if let Some(data) = self.hot.get(&FileId::of(&md)) {
            self.edge_metrics.memory_hits.inc();
            let size = data.len() as u64;
            return Ok(self.respond(req, key, &v, size, Source::Memory(data)));
        }
        // The validators of the file actually opened, which may have been replaced since.
        let file = File::open(path).map_err(local_error)?;
        let md = file.metadata().map_err(disk_error)?;
        let (etag, last_modified) = local_validators(&md);
        let v = Validators {
            etag: &etag,
            last_modified,
        };
        self.serve_file(req, key, &v, FileId::of(&md), (file, 0), md.len())
            .await
    }

    /// An object held at `file.1..file.1 + size` of an open file. A GET of an object small
    /// enough for the memory tier reads it whole and keeps it there.
    async fn serve_file(
        &self,
        req: &HttpRequest,
        key: &str,
        v: &Validators<'_>,
        id: FileId,
        (file, base): (File, u64),
        size: u64,
    ) -> Result<HttpResponse, AppError> {
        if let Some(data) = self.hot.get(&id) {
            self.edge_metrics.memory_hits.inc();
            return Ok(self.respond(req, key, v, size, Source::Memory(data)));
        }
        let sends_body = req.method() == Method::GET && !v.not_modified(req);
        if sends_body && size > 0 && size <= self.hot.max_object {
            let data = body::read_whole(file, base, size)
                .await
                .map_err(disk_error)?;
            self.hot.insert(id, data.clone());
            return Ok(self.respond(req, key, v, size, Source::Memory(data)));
        }
        Ok(self.respond(req, key, v, size, Source::File(file, base)))
    }

    /// The answer for an object of `size` bytes: 304, 416, HEAD, or the (partial) body.
    fn respond(
        &self,
        req: &HttpRequest,
        key: &str,
        v: &Validators<'_>,
        size: u64,
        source: Source,
    ) -> HttpResponse {
        let mut res = object_head(key, v);
        if v.not_modified(req) {
            return res.status(StatusCode::NOT_MODIFIED).finish();
        }
        let (start, len) = match respond::requested(req, v) {
            Ranged::Whole => (0, size),
            Ranged::One(r) => match r.resolve(size) {
                Some(r) => {
                    res.status(StatusCode::PARTIAL_CONTENT);
                    res.insert_header((header::CONTENT_RANGE, r.content_range(size)));
                    (r.start, r.len())
                }
                None => return unsatisfiable(size),
            },
        };
        if req.method() == Method::HEAD {
            return res.body(body::empty(len));
        }
        let sent = self.edge_metrics.bytes_sent.clone();
        match source {
            Source::Memory(data) => {
                sent.inc_by(len);
                res.body(data.slice(start as usize..(start + len) as usize))
            }
            Source::File(file, base) => res.body(body::file(file, base + start, len, sent)),
        }
    }
}

/// Status 200 with the headers every object answer carries.
pub(super) fn object_head(key: &str, v: &Validators<'_>) -> HttpResponseBuilder {
    let (content_type, cache_control) = respond::kind(key);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, v.etag))
        .insert_header((header::LAST_MODIFIED, v.http_date()))
        .insert_header((header::ACCEPT_RANGES, "bytes"));
    res
}

pub(super) fn not_found() -> AppError {
    AppError::not_found("No such object.")
}

pub(super) use crate::storage::range::unsatisfiable;

/// Where the bytes of an answer come from.
enum Source {
    /// The whole object, in memory.
    Memory(Bytes),
    /// An open file holding the object from this offset.
    File(File, u64),
}

/// A local file's ETag (size and mtime) and mtime in seconds.
fn local_validators(md: &std::fs::Metadata) -> (String, i64) {
    let mtime = md
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    let etag = format!("\"{:x}-{:x}\"", md.len(), mtime.as_nanos());
    (etag, mtime.as_secs() as i64)
}

/// A path that is missing, a directory, or runs through a file is 404; anything else means
/// the disk is failing.
fn local_error(e: std::io::Error) -> AppError {
    use std::io::ErrorKind as K;
    let gone = matches!(e.kind(), K::NotFound | K::NotADirectory | K::IsADirectory)
        || e.raw_os_error() == Some(36); // ENAMETOOLONG
    if gone { not_found() } else { disk_error(e) }
}

fn disk_error(e: std::io::Error) -> AppError {
    AppError::Storage(StorageError::Unavailable(e.to_string()))
}

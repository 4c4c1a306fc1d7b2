//! Ingest: upload sessions (one presigned PUT or a lazily presigned multipart upload), their
//! completion into an asset version and its promotion job, the sweeper of idle uploads, and
//! the original system's presign/promote contract.

pub mod complete;
pub mod legacy;
pub mod media;
pub mod plan;
pub mod sweeper;
pub mod uploads;

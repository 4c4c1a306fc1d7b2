//! Models: the only place diesel queries are written, one file per table.

pub mod asset;
pub mod job;
pub mod upload;
pub mod version;

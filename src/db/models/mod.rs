//! Rows and queries, one file per table; the only place diesel's query DSL is used.

pub mod api_tokens;
pub mod asset;
pub mod audit;
pub mod comment;
pub mod decision;
pub mod deployment;
pub mod idempotency;
pub mod job;
pub mod library;
pub mod review_set;
pub mod sessions;
pub mod share;
pub mod upload;
pub mod users;
pub mod version;
pub mod webhook;

//! Rows and queries, one file per table; the only place diesel's query DSL is used.

pub mod api_tokens;
pub mod audit;
pub mod sessions;
pub mod users;

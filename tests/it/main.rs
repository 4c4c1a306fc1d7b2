//! Integration tests: one test binary (one link) with a module per area. Each test starts mm
//! on port 0 against a fresh PostgreSQL database, its own Redis key prefix and a temp data dir.

// Helpers for every area; not every area uses every one.
#[allow(dead_code)]
mod harness;

mod accounts;
mod api_contract;
mod app_spec;
mod config_cli;
mod db_pool;
mod edge;
mod foundation;
mod hardening;
mod ingest;
mod jobs;
mod lifecycle;
mod pages;
mod preview;
mod review;
mod shares;
mod storage_contract;
mod storage_local;
mod storage_s3;
mod webhooks;

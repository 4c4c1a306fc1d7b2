//! mm, the Motion Mavericks media asset manager: one binary, four roles (see DESIGN.md).

pub mod assets;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod deployment;
pub mod edge_cache;
pub mod error;
pub mod events;
pub mod ingest;
pub mod limits;
pub mod media;
pub mod metrics;
pub mod previews;
pub mod queue;
pub mod redis_pool;
pub mod review;
pub mod roles;
pub mod signing;
pub mod state;
pub mod status;
pub mod storage;
pub mod telemetry;
pub mod web;

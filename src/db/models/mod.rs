//! Models: the only place diesel queries are written, one file per table.

pub mod job;

//! Hardening (issue 11): each way found to exhaust mm, reproduced at small scale against a
//! real mm, and the bound that now holds.

mod events;
mod media;
mod metrics;
mod prefix;
mod small;
mod uploads;

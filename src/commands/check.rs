//! `mm check --role=R`: print every configuration problem of a role; exit 1 on any.

use crate::config::{Config, Role};
use std::process::ExitCode;

pub fn run(config: &Config, role: Role) -> ExitCode {
    let mut problems: Vec<String> = config
        .problems_for(role)
        .iter()
        .map(ToString::to_string)
        .collect();
    // Only with a complete storage configuration is there a bucket to ask.
    if role.runs_api() && config.storage.problems_for(role).is_empty() {
        problems.extend(super::storage::cors_problems(config));
    }
    if problems.is_empty() {
        println!("configuration for role {} is complete", role.as_str());
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "configuration for role {} has {} problem(s):",
        role.as_str(),
        problems.len()
    );
    for p in &problems {
        eprintln!("  {p}");
    }
    ExitCode::FAILURE
}

//! What each subcommand does; `main` parses the command line and calls `run`.

mod check;
mod keygen;
mod migrate;
mod preview_file;
mod sign;
mod storage;
mod token;
mod user;

pub use keygen::new_key;

use crate::cli::{Cli, Command};
use crate::config::{Config, Env};
use std::process::ExitCode;

/// Runs the parsed command; every failure is one line on stderr and a non-zero exit.
pub fn run(cli: Cli) -> ExitCode {
    let env = Env::from_process();
    let config = Config::from_env(&env);
    let result = match cli.command {
        Command::Check { role } => return check::run(&config, role),
        Command::Keygen { kid, secret } => keygen::run(&kid, secret),
        Command::Migrate { revert } => migrate::run(&config, revert),
        Command::Serve { role } => serve(config, role),
        Command::Sign { prefix, ttl } => sign::run(&config, &prefix, &ttl),
        Command::PreviewFile {
            input,
            out,
            print_plan,
        } => {
            let _telemetry = crate::telemetry::init(&config);
            preview_file::run(&config, &input, &out, print_plan)
        }
        Command::Storage { command } => storage::run(&config, command),
        Command::User { action } => user::run(&config, &env, action),
        Command::Token { action } => token::run(&config, action),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, even when a driver's message spans several.
            let message = format!("{e:#}");
            eprintln!(
                "mm: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config, role: crate::config::Role) -> anyhow::Result<()> {
    let problems = config.problems_for(role);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::bail!("cannot start role {}: {}", role.as_str(), list.join("; "));
    }
    let _telemetry = crate::telemetry::init(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mm")
        .build()?;
    runtime.block_on(crate::roles::serve(config, role))
}

//! The `mm` binary: parse the command line and hand over to `mm::commands`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    mm::commands::run(mm::cli::Cli::parse())
}

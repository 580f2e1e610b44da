//! The `draftdesk` binary: reads `.env`, sets up logging, and runs the command given.

use std::process::ExitCode;

use clap::Parser;
use draftdesk::logging::{self, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    match LogFormat::from_env() {
        Ok(format) => logging::init(format),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = dotenv
        && !error.not_found()
    {
        eprintln!("error: could not read .env: {error}");
        return ExitCode::FAILURE;
    }
    let cli = draftdesk::cli::Cli::parse();
    match draftdesk::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

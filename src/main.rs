//! The `draftdesk` binary: reads `.env`, sets up logging, and runs the command given.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("draftdesk=info,tower_http=info,warn")),
        )
        .with_writer(std::io::stderr)
        .init();
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

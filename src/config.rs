//! `Config`: the settings the server runs with, read from the environment (and `.env`)
//! or the matching command-line flags. A bad value stops start-up with a message that
//! names the variable.

use std::net::SocketAddr;

use clap::Args;

/// The settings as given, before they are checked.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Where the SQLite database lives; its folder and file are created on first run.
    #[arg(
        long,
        env = "DATABASE_URL",
        value_name = "DATABASE_URL",
        default_value = "sqlite://data/draftdesk.db",
        global = true
    )]
    pub database_url: String,

    /// The address and port the server listens on.
    #[arg(
        long,
        env = "BIND_ADDR",
        value_name = "BIND_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub bind_addr: String,
}

/// Checked settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
}

/// A setting with a bad value.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl Config {
    /// Checks the settings, naming the variable at fault.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let database_url = settings.database_url.trim().to_owned();
        if !database_url.starts_with("sqlite:") {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                message: format!(
                    "'{database_url}' is not supported; use a SQLite URL such as \
                     sqlite://data/draftdesk.db"
                ),
            });
        }
        let bind_addr = settings.bind_addr.trim().parse().map_err(|_| ConfigError {
            variable: "BIND_ADDR",
            message: format!(
                "'{}' is not an address and port such as 127.0.0.1:3000",
                settings.bind_addr
            ),
        })?;
        Ok(Self {
            database_url,
            bind_addr,
        })
    }

    /// Settings for tests and tools: a database URL, any free port on loopback.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

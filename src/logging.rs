//! Logging to standard error: readable lines, coloured only on a terminal, or one JSON
//! object per line for log collectors (`LOG_FORMAT=json`). `RUST_LOG` filters either.

use std::io::IsTerminal;
use std::str::FromStr;

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "draftdesk=info,tower_http=info,warn";

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-11-27T10:00:00Z  INFO request{…}: draftdesk::…: message`
    #[default]
    Text,
    /// `{"timestamp":…,"level":"INFO","message":…,"span":{…},…}`
    Json,
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => Err(format!(
                "LOG_FORMAT must be 'text' or 'json', not '{other}'"
            )),
        }
    }
}

impl LogFormat {
    /// The format `LOG_FORMAT` asks for; text when it is not set.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("LOG_FORMAT") {
            Ok(value) => value.parse(),
            Err(std::env::VarError::NotPresent) => Ok(Self::Text),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err("LOG_FORMAT must be 'text' or 'json'".to_owned())
            }
        }
    }
}

/// Installs the global subscriber. Colour codes are written only when standard error is
/// a terminal and `NO_COLOR` is not set, so files and journals get plain text.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(colour()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_leniently_and_a_wrong_one_is_named() {
        assert_eq!("JSON".parse(), Ok(LogFormat::Json));
        assert_eq!(" text ".parse(), Ok(LogFormat::Text));
        assert_eq!("".parse(), Ok(LogFormat::Text));
        let error = "xml".parse::<LogFormat>().expect_err("not a format");
        assert!(
            error.contains("LOG_FORMAT") && error.contains("xml"),
            "{error}"
        );
    }
}

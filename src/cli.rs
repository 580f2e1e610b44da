//! The command line: `serve` (the default), `migrate`, `user add`, `token create|list|revoke`.

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::accounts;
use crate::app::Application;
use crate::auth;
use crate::config::{Config, Settings};
use crate::db::{self, Db, Timestamp, TokenId};

/// draftdesk: an LLM agent drafts replies to your conversations; you review them.
#[derive(Debug, Parser)]
#[command(name = "draftdesk", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the background workers (the default).
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. NAME is the account's stable id (the API's `user_id`).
    Add {
        name: String,
        /// The name shown in pages; defaults to NAME.
        #[arg(long)]
        display_name: Option<String>,
        /// Read a password for browser sign-in from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for user NAME and print it once; only its hash is stored.
    Create {
        name: String,
        /// A note to tell tokens apart, such as "browser plugin".
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List the API tokens of user NAME.
    List { name: String },
    /// Revoke the API token with this id (as `token list` shows it).
    Revoke { id: TokenId },
}

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_settings(&cli.settings)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            Db::open(&config.database_url, config.database_pool)
                .await?
                .close()
                .await;
            say(&format!("database ready: {}", config.database_url))
        }
        Command::User(UserCommand::Add {
            name,
            display_name,
            password_stdin,
        }) => {
            let db = Db::open(&config.database_url, config.database_pool).await?;
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let user = accounts::add_user(&db, &name, display_name.as_deref(), password.as_deref())
                .await?;
            say(&format!("created user '{}' (id {})", user.name, user.id))
        }
        Command::Token(command) => {
            let db = Db::open(&config.database_url, config.database_pool).await?;
            token(&db, command).await
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(address = %app.local_addr()?, "draftdesk is listening");
    app.serve(shutdown_signal()).await?;
    tracing::info!("draftdesk stopped");
    Ok(())
}

async fn token(db: &Db, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { name, label } => {
            let user = find_user(db, &name).await?;
            let token = auth::generate_token();
            let info = db::tokens::insert(
                db.write(),
                user.id,
                label.trim(),
                &token.hash,
                &token.prefix,
            )
            .await?;
            say(&format!(
                "created token {} for '{}'. It is shown only this once:\n{}",
                info.id, user.name, token.secret
            ))
        }
        TokenCommand::List { name } => {
            let user = find_user(db, &name).await?;
            let tokens = db::tokens::list(db.read(), user.id).await?;
            if tokens.is_empty() {
                return say(&format!("'{}' has no API tokens", user.name));
            }
            let mut lines = vec!["ID\tPREFIX\tLABEL\tCREATED\tLAST USED\tREVOKED".to_owned()];
            for t in tokens {
                lines.push(format!(
                    "{}\t{}…\t{}\t{}\t{}\t{}",
                    t.id,
                    t.prefix,
                    t.label,
                    t.created_at,
                    t.last_used_at
                        .map_or_else(|| "never".to_owned(), |at| at.to_string()),
                    t.revoked_at
                        .map_or_else(|| "-".to_owned(), |at| at.to_string()),
                ));
            }
            say(&lines.join("\n"))
        }
        TokenCommand::Revoke { id } => {
            if db::tokens::revoke(db.write(), id, None, Timestamp::now()).await? {
                say(&format!("revoked token {id}"))
            } else {
                bail!("there is no live token with id {id}")
            }
        }
    }
}

async fn find_user(db: &Db, name: &str) -> anyhow::Result<db::users::User> {
    db::users::find_by_name(db.read(), name.trim())
        .await?
        .with_context(|| format!("there is no user named '{name}'"))
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("could not read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Writes a line for the person at the terminal.
fn say(text: &str) -> anyhow::Result<()> {
    writeln!(std::io::stdout().lock(), "{text}").context("could not write to standard output")
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

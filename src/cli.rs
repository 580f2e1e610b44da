//! The command line: `serve` (the default), `migrate`, `user add`, `token create|list|revoke`,
//! `replay`.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::accounts;
use crate::agent::Agent;
use crate::app::Application;
use crate::auth;
use crate::config::{Config, Settings};
use crate::db::{self, Db, Timestamp, TokenId};
use crate::llm::{LlmClient, LlmConfig};
use crate::replay::{self, report};

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
    /// Re-draft the most recently approved threads with another model and compare the
    /// replies with the live drafts and the approved ones. Changes nothing.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The model to draft with, as the model server (LLM_BASE_URL) names it.
    #[arg(long, value_name = "NAME")]
    pub model: String,
    /// How many threads to replay: those whose latest approved draft is the most recent.
    #[arg(long, value_name = "N", default_value = "50", value_parser = clap::value_parser!(u32).range(1..=500))]
    pub last: u32,
    /// Whose threads, by account name; needed when the database has several users.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// A file whose text replaces the drafting instructions (src/agent/prompts/draft.md).
    #[arg(long, value_name = "PATH")]
    pub prompt_file: Option<PathBuf>,
    /// Also write the comparison to this file as a self-contained HTML page.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// How many threads are re-drafted at once.
    #[arg(long, value_name = "N", default_value = "2", value_parser = clap::value_parser!(u32).range(1..=8))]
    pub concurrency: u32,
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
            say(&format!(
                "database ready: {}",
                db::redact(&config.database_url)
            ))
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
        Command::Replay(args) => run_replay(&config, args).await,
    }
}

/// `draftdesk replay`: everything is checked before the first model call; the report
/// is printed thread by thread as the replays finish.
async fn run_replay(config: &Config, args: ReplayArgs) -> anyhow::Result<()> {
    let Some(live) = &config.llm else {
        bail!(
            "replay needs a model server, and none is configured: set OPENROUTER_API_KEY \
             (or LLM_API_KEY, with LLM_BASE_URL for another OpenAI-compatible server). \
             Without a key draftdesk drafts with the offline drafter, which is not a model"
        );
    };
    let model = args.model.trim();
    if model.is_empty() {
        bail!("--model must name a model, such as openai/gpt-4o-mini");
    }
    let prompt = match &args.prompt_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--prompt-file: could not read {}", path.display()))?;
            if text.trim().is_empty() {
                bail!("--prompt-file: {} is empty", path.display());
            }
            Some(text)
        }
        None => None,
    };
    // Made now, so that a report that cannot be written is known before the model runs.
    let out = match &args.out {
        Some(path) => Some(
            std::fs::File::create(path)
                .with_context(|| format!("--out: could not create {}", path.display()))?,
        ),
        None => None,
    };
    let db = Db::open_read_only(&config.database_url, config.database_pool).await?;
    let user = replay::choose_user(&db, args.user.as_deref()).await?;
    let cases = replay::select(&db, &user, args.last).await?;

    let llm = LlmClient::new(&LlmConfig {
        model: model.to_owned(),
        ..live.clone()
    })?;
    let mut agent = Agent::new(
        Some(llm),
        db.clone(),
        config.agent_max_iterations,
        config.agent_run_timeout,
    );
    if let Some(prompt) = prompt {
        agent = agent.with_draft_prompt(prompt);
    }
    let meta = report::Meta {
        user: user.name.clone(),
        model: model.to_owned(),
        last: args.last,
        prompt_file: args.prompt_file.as_ref().map(|p| p.display().to_string()),
        started_at: Timestamp::now(),
    };
    say(&report::heading(&meta, cases.len()))?;
    let mut printed = Ok(());
    let replayed = replay::run(
        &agent,
        &user,
        cases,
        usize::try_from(args.concurrency).unwrap_or(1),
        |index, r| {
            if printed.is_ok() {
                printed = say(&report::line(index, r));
            }
        },
    )
    .await;
    printed?;
    db.close().await;
    let totals = report::Totals::of(&replayed);
    say(&totals.summary())?;
    if let (Some(mut file), Some(path)) = (out, &args.out) {
        let page = report::html(&meta, &replayed).context("could not render the report")?;
        file.write_all(page.as_bytes())
            .with_context(|| format!("--out: could not write {}", path.display()))?;
        say(&format!("The report is in {}", path.display()))?;
    }
    if totals.threads > 0 && totals.drafted + totals.no_reply == 0 {
        bail!("no thread could be replayed; the lines above say why");
    }
    Ok(())
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

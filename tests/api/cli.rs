//! The `draftdesk` binary's subcommands, run as a newcomer would run them.

use std::io::Write;
use std::process::{Output, Stdio};

use draftdesk::app::Application;
use draftdesk::config::Config;
use serde_json::json;

use crate::helpers::{error_body, json_body, message};
use crate::process::{KillOnDrop, Server, draftdesk, finished};

fn run(database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut running = KillOnDrop::spawn(
        draftdesk()
            .args(args)
            .env("DATABASE_URL", database_url)
            .env_remove("BIND_ADDR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    let child = running.child();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("written");
    }
    // Commands that take a password read standard input to its end.
    drop(child.stdin.take());
    running.wait_with_output()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn users_and_tokens_made_on_the_command_line_work_against_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("nested/cli.db").display());

    let out = run(&url, &["migrate"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(
        &url,
        &[
            "user",
            "add",
            "jo",
            "--display-name",
            "Jo Smith",
            "--password-stdin",
        ],
        Some("a long password\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&url, &["user", "add", "jo"], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    let out = run(&url, &["token", "create", "jo", "--label", "plugin"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out)
        .lines()
        .find(|l| l.starts_with("ddt_"))
        .expect("the token is printed")
        .to_owned();
    let stored: i64 = {
        let app = Application::build(Config::for_database(url.clone()))
            .await
            .expect("app builds");
        let db = crate::helpers::any_pool(&url).await;
        let address = format!("http://{}", app.local_addr().expect("address"));
        tokio::spawn(app.serve(std::future::pending()));
        let client = reqwest::Client::new();
        let body =
            json!({"user_id": "jo", "thread_name": "t", "messages": [message("1", "Al", "hi")]});
        let response = client
            .post(format!("{address}/send-messages/"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        json_body(response, 202).await;

        let list = run(&url, &["token", "list", "jo"], None);
        assert!(stdout(&list).contains("plugin"), "{}", stdout(&list));
        assert!(
            !stdout(&list).contains(&token),
            "the secret must not be listed"
        );
        let id = stdout(&list)
            .lines()
            .nth(1)
            .and_then(|l| l.split('\t').next())
            .expect("a token row")
            .to_owned();
        let out = run(&url, &["token", "revoke", &id], None);
        assert!(out.status.success(), "{}", stderr(&out));
        let response = client
            .get(format!("{address}/draft-messages/?user_id=jo"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent");
        error_body(response, 401).await;

        sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE token_hash = $1")
            .bind(draftdesk::auth::hash_token(&token))
            .fetch_one(&db)
            .await
            .expect("query")
    };
    assert_eq!(stored, 1, "only the token's hash is stored");
}

#[test]
fn a_bad_setting_stops_start_up_and_names_the_variable() {
    let out = finished(
        draftdesk()
            .env("BIND_ADDR", "not-an-address")
            .env("DATABASE_URL", "sqlite://unused.db")
            .arg("serve"),
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("BIND_ADDR"), "{}", stderr(&out));

    let out = finished(
        draftdesk()
            .env("DATABASE_URL", "mysql://localhost/x")
            .arg("migrate"),
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("DATABASE_URL"), "{}", stderr(&out));

    // A PostgreSQL server that does not answer is named at once, not after the pool's
    // 30 s of retries.
    let nobody = crate::process::free_port();
    let out = finished(
        draftdesk()
            .env(
                "DATABASE_URL",
                format!("postgres://draftdesk:secret@127.0.0.1:{nobody}/x"),
            )
            .arg("migrate"),
    );
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("DATABASE_URL: could not connect to the PostgreSQL server at 127.0.0.1"),
        "{said}"
    );
    assert!(
        !said.contains("secret"),
        "the password is not shown: {said}"
    );

    // Numbers and switches are read by the command line parser, which names the
    // variable too, and says what would be right.
    for (variable, value, says) in [
        ("JOB_CONCURRENCY", "abc", "invalid digit"),
        ("LLM_TIMEOUT_SECS", "0", "1..=3600"),
        ("MAX_CONNECTIONS", "-3", "invalid digit"),
        ("COOKIE_SECURE", "maybe", "boolean"),
    ] {
        let out = finished(
            draftdesk()
                .env("DATABASE_URL", "sqlite://unused.db")
                .env(variable, value)
                .arg("migrate"),
        );
        assert!(!out.status.success(), "{variable}={value}");
        let text = stderr(&out);
        assert!(
            text.contains(variable) && text.contains(value) && text.contains(says),
            "{variable}={value}: {text}"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "add", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
    ] {
        let out = finished(draftdesk().args(&args));
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage"), "{args:?}: {}", stdout(&out));
    }
}

/// A log written to a file or a pipe has no colour codes; `LOG_FORMAT=json` writes one
/// JSON object per line; a wrong `LOG_FORMAT` is named.
#[tokio::test]
async fn logs_are_plain_off_a_terminal_and_json_on_request() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for format in ["text", "json"] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{format}.db")).display()
        );
        let server = Server::start(
            dir.path(),
            &[
                ("DATABASE_URL", url.as_str()),
                ("NO_COLOR", ""),
                ("RUST_LOG", "info"),
                ("LOG_FORMAT", format),
            ],
        )
        .await;
        // The server logs that it listens before it answers its first request.
        let log = server.log_text();
        assert!(log.contains("listening"), "the start is logged: {log}");
        assert!(
            !log.contains('\u{1b}'),
            "colour codes in a {format} log file: {log}"
        );
        if format == "json" {
            for line in log.lines().filter(|l| !l.trim().is_empty()) {
                let entry: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|_| panic!("not a JSON line: {line}"));
                assert!(entry["level"].is_string(), "{line}");
                assert!(entry["timestamp"].is_string(), "{line}");
            }
        }
    }
    let url = format!("sqlite://{}", dir.path().join("wrong.db").display());
    let output = finished(
        draftdesk()
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .env("LOG_FORMAT", "xml")
            .current_dir(dir.path()),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("LOG_FORMAT") && stderr.contains("xml"),
        "{stderr}"
    );
}

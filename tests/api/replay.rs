//! `draftdesk replay`: the binary re-drafts approved threads with another model (the fake
//! one), reports them beside the live drafts and the approved replies, and changes
//! nothing in the database.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use sqlx::{Column, Row};

use draftdesk::db::{self, Db, PoolSettings};

use crate::database::{Backend, TestDatabase};
use crate::fake_llm::{FakeLlm, Reply, draft, no_reply};
use crate::helpers::{TestApp, json_body, message, spawn_app_with_model};
use crate::process::{draftdesk, finished};

/// Runs `draftdesk replay ARGS` in `dir` against the app's database and the fake model,
/// waiting for it off the runtime, which serves the fake model meanwhile.
async fn replay(app: &TestApp, model: &FakeLlm, dir: &Path, args: &[&str]) -> Output {
    let mut command = draftdesk();
    command
        .arg("replay")
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", &app.database_url)
        .env("LLM_BASE_URL", &model.base_url)
        .env("OPENROUTER_API_KEY", "")
        .env("LLM_API_KEY", "test-key")
        .env("LLM_TIMEOUT_SECS", "5")
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn");
    tokio::task::spawn_blocking(move || finished(&mut command))
        .await
        .expect("the command ran")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every row of the tables a replay must not touch, as text: drafts, runs, jobs, the
/// users (their style notes), threads and messages.
async fn dump(app: &TestApp) -> Vec<String> {
    let mut rows = Vec::new();
    for table in [
        "drafts",
        "agent_runs",
        "jobs",
        "users",
        "threads",
        "messages",
    ] {
        match crate::BACKEND {
            // The whole row as PostgreSQL writes it, search vectors included.
            Backend::Postgres => {
                let sql = format!("SELECT CAST(t AS TEXT) FROM {table} t ORDER BY t.id");
                let texts: Vec<String> = sqlx::query_scalar(&sql)
                    .fetch_all(&app.sql)
                    .await
                    .expect("a dump");
                rows.extend(texts.into_iter().map(|t| format!("{table}: {t}")));
            }
            // SQLite holds integers, text and NULL.
            Backend::Sqlite => {
                let sql = format!("SELECT * FROM {table} ORDER BY id");
                for row in sqlx::query(&sql).fetch_all(&app.sql).await.expect("a dump") {
                    let values: Vec<String> = (0..row.len())
                        .map(|i| {
                            let name = row.column(i).name().to_owned();
                            let value = row
                                .try_get::<Option<String>, _>(i)
                                .map(|v| format!("{v:?}"))
                                .or_else(|_| {
                                    row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}"))
                                })
                                .unwrap_or_else(|e| panic!("{table}.{name}: {e}"));
                            format!("{name}={value}")
                        })
                        .collect();
                    rows.push(format!("{table}: {}", values.join(", ")));
                }
            }
        }
    }
    rows
}

fn at(id: &str, sender: &str, time: &str, content: &str) -> Value {
    json!({
        "message_id": id,
        "sender_name": sender,
        "date": "2026-11-24",
        "time": time,
        "message_content": content,
    })
}

/// The id of the only pending draft.
async fn pending(app: &TestApp) -> String {
    let drafts = app.pending_drafts().await;
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    drafts[0]["draft_message_id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// Three approved threads, oldest approval first: Dan (approved as drafted), Bob
/// (edited on approval, answered afterwards and then taken further), Carl (revised
/// once after feedback, approved as revised; his message holds markup).
async fn three_approved_threads(model: &FakeLlm) -> TestApp {
    let app = spawn_app_with_model(&model.base_url).await;

    model.push([draft("Live: happy to send the invoice.")]);
    json_body(
        app.send_messages(
            "Dan",
            json!([message("d1", "Dan", "Could you resend the invoice?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    json_body(app.approve_draft(&pending(&app).await, None).await, 200).await;

    model.push([draft("Live: Tuesday works.")]);
    json_body(
        app.send_messages(
            "Bob",
            json!([at("b1", "Bob", "09:00", "Are you free on Tuesday?")]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    let bob = pending(&app).await;
    json_body(
        app.approve_draft(&bob, Some("Approved: Tuesday at 10 suits me."))
            .await,
        200,
    )
    .await;
    // Later, the user's reply and a newer message from Bob: not what the approved draft
    // answered, so the replay must not see them.
    model.push([no_reply("Bob only confirmed.")]);
    json_body(
        app.send_messages(
            "Bob",
            json!([
                at("b2", "anna", "09:05", "Approved: Tuesday at 10 suits me."),
                at(
                    "b3",
                    "Bob",
                    "09:10",
                    "Great, see you then. Later-message-marker."
                ),
            ]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;

    model.push([
        draft("Live: thanks, Carl."),
        draft("Live revised: thank you, Carl!"),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    json_body(
        app.send_messages(
            "Carl",
            json!([message(
                "c1",
                "Carl",
                "Here is the <b>plan</b> & <script>alert(1)</script>"
            )]),
        )
        .await,
        202,
    )
    .await;
    app.run_jobs().await;
    json_body(
        app.process_feedback(&pending(&app).await, "warmer").await,
        202,
    )
    .await;
    app.run_jobs().await;
    json_body(app.approve_draft(&pending(&app).await, None).await, 200).await;
    app
}

/// The text of the requests the model got for `model_name`, each as (the thread it
/// drafts, the whole request).
fn requests_for(model: &FakeLlm, model_name: &str) -> Vec<(String, String)> {
    model
        .requests()
        .into_iter()
        .filter(|r| r["model"] == model_name)
        .map(|r| {
            let task = r["messages"][1]["content"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let thread = ["Bob", "Carl", "Dan"]
                .into_iter()
                .find(|name| task.starts_with(&format!("Conversation \"{name}\"")))
                .unwrap_or("?")
                .to_owned();
            (thread, r.to_string())
        })
        .collect()
}

#[tokio::test]
async fn replay_compares_another_model_with_the_live_drafts_and_changes_nothing() {
    let model = FakeLlm::start().await;
    let app = three_approved_threads(&model).await;
    let before = dump(&app).await;
    let live_requests = model.requests().len();

    model.always(Reply::IfRequestHas(
        "Conversation \\\"Carl\\\"",
        Box::new(draft("Replay: thanks a lot, Carl.")),
        Box::new(draft("Replay: yes, Tuesday is fine.")),
    ));
    let dir = tempfile::tempdir().expect("a folder");
    let out = replay(
        &app,
        &model,
        dir.path(),
        &[
            "--model",
            "other/model",
            "--last",
            "2",
            "--out",
            "report.html",
        ],
    )
    .await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // The other model was asked, once per thread (each drafted at its first turn), the
    // two most recently approved threads only.
    let asked = requests_for(&model, "other/model");
    assert_eq!(model.requests().len(), live_requests + 2);
    let mut threads: Vec<&str> = asked.iter().map(|(t, _)| t.as_str()).collect();
    threads.sort_unstable();
    assert_eq!(threads, ["Bob", "Carl"]);
    for (thread, request) in &asked {
        // Nothing from after the approved draft reached the model: not Bob's later
        // messages, not the thread's own approved reply.
        assert!(
            !request.contains("Later-message-marker"),
            "{thread}: {request}"
        );
        let own_reply = if thread == "Bob" {
            "Approved: Tuesday at 10 suits me."
        } else {
            "Live revised: thank you, Carl!"
        };
        assert!(!request.contains(own_reply), "{thread}: {request}");
    }
    let (_, carl) = asked.iter().find(|(t, _)| t == "Carl").expect("Carl");
    assert!(
        carl.contains("Approved: Tuesday at 10 suits me."),
        "replies approved before Carl's live draft are the user's voice: {carl}"
    );

    // The terminal: each thread with its lengths and whether the replay matches.
    let said = stdout(&out);
    assert!(said.contains("with other/model"), "{said}");
    let carl_line = said
        .lines()
        .find(|l| l.contains("\"Carl\""))
        .expect("Carl's line");
    assert!(
        carl_line.starts_with("  1."),
        "the newest approval first: {said}"
    );
    assert!(
        carl_line.contains("approved 30 chars")
            && carl_line
                .contains("live draft 19 chars (test/model, first draft before 1 revision)")
            && carl_line.contains("replay drafted 27 chars: matches"),
        "{carl_line}"
    );
    let bob_line = said
        .lines()
        .find(|l| l.contains("\"Bob\""))
        .expect("Bob's line");
    assert!(bob_line.starts_with("  2."), "{said}");
    assert!(
        bob_line.contains("approved 33 chars (edited)")
            && bob_line.contains("live draft 20 chars (test/model)")
            && bob_line.contains("replay drafted 29 chars: matches"),
        "{bob_line}"
    );
    assert!(!said.contains("\"Dan\""), "only the last 2: {said}");
    assert!(
        said.contains("2 threads: the replay drafted a reply for 2"),
        "{said}"
    );
    assert!(said.contains("failed 0"), "{said}");

    // The page: every text side by side, escaped, nothing that runs.
    let page = std::fs::read_to_string(dir.path().join("report.html")).expect("the report");
    for text in [
        "Replay: thanks a lot, Carl.",
        "Live: thanks, Carl.",
        "Live revised: thank you, Carl!",
        "Replay: yes, Tuesday is fine.",
        "Live: Tuesday works.",
        "Approved: Tuesday at 10 suits me.",
        "Are you free on Tuesday?",
    ] {
        assert!(page.contains(text), "{text} is in the report");
    }
    assert!(!page.contains("Later-message-marker"));
    assert!(
        !page.contains("Live: happy to send the invoice."),
        "Dan is not replayed"
    );
    // Carl's markup is shown as text: escaped, in either form of character reference.
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<b>plan"));
    assert!(
        !page.contains("<script"),
        "no markup from a conversation, no script at all"
    );
    assert!(page.contains("default-src 'none'"));

    assert_eq!(dump(&app).await, before, "the replay wrote nothing");
}

#[tokio::test]
async fn a_failed_thread_is_reported_and_the_others_still_replay() {
    let model = FakeLlm::start().await;
    let app = three_approved_threads(&model).await;
    let before = dump(&app).await;

    model.always(Reply::IfRequestHas(
        "Conversation \\\"Dan\\\"",
        Box::new(Reply::Status(
            503,
            json!({"error": {"message": "other/model is overloaded"}}),
            None,
        )),
        Box::new(Reply::IfRequestHas(
            "Conversation \\\"Bob\\\"",
            Box::new(no_reply("Bob's question needs no answer.")),
            Box::new(draft("Replay: thanks a lot, Carl.")),
        )),
    ));
    let prompt = "You draft replies. PROMPT-FILE-MARKER. Keep them short.";
    let dir = tempfile::tempdir().expect("a folder");
    std::fs::write(dir.path().join("prompt.md"), prompt).expect("a prompt file");
    let out = replay(
        &app,
        &model,
        dir.path(),
        &[
            "--model",
            "other/model",
            "--last",
            "3",
            "--user",
            "anna",
            "--prompt-file",
            "prompt.md",
            "--concurrency",
            "3",
        ],
    )
    .await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    let line = |name: &str| {
        said.lines()
            .find(|l| l.contains(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("{name}'s line in {said}"))
            .to_owned()
    };
    assert!(
        line("Dan").contains("replay FAILED, model error: the model server answered 503"),
        "{said}"
    );
    assert!(
        line("Bob")
            .contains("replay decided no reply (\"Bob's question needs no answer.\"): differs"),
        "{said}"
    );
    assert!(line("Carl").contains("replay drafted"), "{said}");
    assert!(
        said.contains("3 threads: the replay drafted a reply for 1 (as the reviewer decided), decided no reply for 1, failed 1 (1 model error)"),
        "{said}"
    );

    // The prompt file replaced the drafting instructions; the user's part follows them.
    for (thread, request) in requests_for(&model, "other/model") {
        assert!(request.contains("PROMPT-FILE-MARKER"), "{thread}");
        assert!(
            !request.contains("You draft replies to conversations on behalf of one person"),
            "{thread}"
        );
        assert!(request.contains("## The user's style notes"), "{thread}");
    }
    assert_eq!(dump(&app).await, before, "the replay wrote nothing");
}

#[tokio::test]
async fn replay_refuses_bad_requests_with_a_clear_error() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let dir = tempfile::tempdir().expect("a folder");

    let cases: [(&[&str], &str); 5] = [
        (
            &["--model", "other/model", "--last", "0"],
            "0 is not in 1..=500",
        ),
        (
            &["--model", "other/model", "--last", "501"],
            "501 is not in 1..=500",
        ),
        (&["--last", "5"], "--model <NAME>"),
        (
            &["--model", "other/model", "--user", "nobody"],
            "--user: there is no user named 'nobody'",
        ),
        (
            &["--model", "other/model", "--prompt-file", "missing.md"],
            "--prompt-file: could not read missing.md",
        ),
    ];
    for (args, says) in cases {
        let out = replay(&app, &model, dir.path(), args).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    std::fs::write(dir.path().join("empty.md"), " \n").expect("a file");
    let out = replay(
        &app,
        &model,
        dir.path(),
        &["--model", "other/model", "--prompt-file", "empty.md"],
    )
    .await;
    assert!(
        stderr(&out).contains("--prompt-file: empty.md is empty"),
        "{}",
        stderr(&out)
    );

    // With no key, draftdesk drafts offline, and the offline drafter is not a model.
    let out = finished(
        draftdesk()
            .args(["replay", "--model", "other/model"])
            .current_dir(dir.path())
            .env("DATABASE_URL", &app.database_url)
            .env("OPENROUTER_API_KEY", "")
            .env("LLM_API_KEY", "")
            .env("RUST_LOG", "warn"),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("OPENROUTER_API_KEY") && stderr(&out).contains("offline drafter"),
        "{}",
        stderr(&out)
    );

    // One user: chosen without --user, and nothing approved yet is no failure.
    let out = replay(&app, &model, dir.path(), &["--model", "other/model"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 threads"), "{}", stdout(&out));

    // Several users: which one must be said.
    app.add_user("bob").await;
    let out = replay(&app, &model, dir.path(), &["--model", "other/model"]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("several users ('anna', 'bob'): choose one with --user NAME"),
        "{}",
        stderr(&out)
    );
    assert!(model.requests().is_empty(), "no model was called");
}

/// The database a replay reads cannot be written to, and one that is not migrated (or
/// not there) is refused rather than created or migrated.
#[tokio::test]
async fn the_replay_database_is_read_only_and_never_migrated() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let db = Db::open_read_only(&app.database_url, PoolSettings::default())
        .await
        .expect("opens read-only");
    let anna = db::users::find_by_name(db.read(), "anna")
        .await
        .expect("reads")
        .expect("anna");
    assert!(
        db::users::set_names(db.write(), anna.id, &["Never written".to_owned()])
            .await
            .is_err(),
        "a write is refused"
    );
    db.close().await;
    let names: String = sqlx::query_scalar("SELECT my_names FROM users WHERE name = 'anna'")
        .fetch_one(&app.sql)
        .await
        .expect("names");
    assert!(!names.contains("Never written"), "{names}");

    let empty = TestDatabase::create().await;
    if crate::BACKEND == Backend::Sqlite {
        let error = Db::open_read_only(&empty.url, PoolSettings::default())
            .await
            .expect_err("no file");
        assert!(
            error.to_string().starts_with("there is no database at"),
            "{error}"
        );
        std::fs::write(empty.url.trim_start_matches("sqlite://"), "").expect("an empty file");
    }
    let error = Db::open_read_only(&empty.url, PoolSettings::default())
        .await
        .expect_err("not migrated");
    assert!(
        error.to_string().contains("run `draftdesk migrate` first"),
        "{error}"
    );
}

/// The agent's look-ups during a replay see the user's conversations as they were when
/// the live draft was written: nothing that arrived later.
#[tokio::test]
async fn a_replays_look_ups_see_only_what_existed_then() {
    let model = FakeLlm::start().await;
    let app = three_approved_threads(&model).await;
    let search = || Reply::Tool("search_past_messages", json!({"query": "Tuesday"}));
    model.always(Reply::IfRequestHas(
        // Once a tool has answered (a key of the request, so its quotes are bare).
        "\"role\":\"tool\"",
        Box::new(draft("Replay after looking.")),
        Box::new(Reply::IfRequestHas(
            "Conversation \\\"Bob\\\"",
            Box::new(Reply::Tool("get_thread", json!({"thread_name": "Bob"}))),
            Box::new(search()),
        )),
    ));
    let dir = tempfile::tempdir().expect("a folder");
    let out = replay(
        &app,
        &model,
        dir.path(),
        &["--model", "other/model", "--last", "3"],
    )
    .await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let mut looked_up = std::collections::BTreeMap::new();
    for request in model.requests() {
        let messages = request["messages"].as_array().cloned().unwrap_or_default();
        let task = messages[1]["content"].as_str().unwrap_or("").to_owned();
        if let Some(tool) = messages.iter().find(|m| m["role"] == "tool") {
            let thread = task
                .split('"')
                .nth(1)
                .expect("the thread's name")
                .to_owned();
            looked_up.insert(thread, tool["content"].as_str().unwrap_or("").to_owned());
        }
    }
    assert_eq!(looked_up.len(), 3, "{looked_up:?}");
    // Dan's draft came before anything was said about Tuesday.
    assert!(
        looked_up["Dan"].starts_with("No similar messages found"),
        "{}",
        looked_up["Dan"]
    );
    // Bob's own thread, up to the message his approved draft answered.
    assert!(looked_up["Bob"].contains("Are you free on Tuesday?"));
    assert!(
        !looked_up["Bob"].contains("Later-message-marker"),
        "{}",
        looked_up["Bob"]
    );
    assert!(
        !looked_up["Bob"].contains("suits me"),
        "{}",
        looked_up["Bob"]
    );
    // Carl's draft came after Bob's approval and Bob's later messages.
    assert!(looked_up["Carl"].contains("Approved: Tuesday at 10 suits me."));
    assert!(looked_up["Carl"].contains("Are you free on Tuesday?"));
}

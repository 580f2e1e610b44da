//! Issue 15's two-instance test: two `draftdesk serve` processes on one PostgreSQL
//! database, 200 threads posted to both, one instance killed with SIGKILL mid-run. Every
//! thread ends with exactly one pending draft or a recorded no-reply, no message is stored
//! twice, no job is left running, and a draft made on one instance shows up live on a
//! dashboard served by the other.
//!
//! PostgreSQL only: SQLite is one file for one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use draftdesk::db::{Db, PoolSettings};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::database::TestDatabase;
use crate::fake_llm::{FakeLlm, Reply, draft, no_reply};
use crate::helpers::{Flag, any_pool, message, send_to, user_with_token};
use crate::pages::{Browser, assert_see_other};
use crate::process::{Server, job_states};

const THREADS: usize = 200;
/// Thread `i` with `i % QUIET == 0` says the conversation is over: the model decides that
/// no reply is needed.
const QUIET: usize = 5;
/// What a quiet thread's messages say; the fake model ends the run of any conversation
/// holding it with `end_work`.
const QUIET_MARK: &str = "all sorted";
/// Thread `i` with `i % FOLLOW_UP == 1` gets a second message later, through the other
/// instance, while the first may still be drafting.
const FOLLOW_UP: usize = 4;
/// How many clients post at once.
const CLIENTS: usize = 4;
/// The first instance is killed once the model has had this many requests (from both).
const KILL_AFTER_REQUESTS: usize = 24;
/// What the live part's threads say; their drafts wait at a gate.
const LIVE_MARK: &str = "live check";
const LIVE_DRAFT: &str = "Drafted on the other instance.";
/// Each instance names its model differently, so `agent_runs.model` says which ran a job.
const MODEL_A: &str = "test/instance-a";
const MODEL_B: &str = "test/instance-b";
/// Only so that a broken build fails instead of hanging; nothing here is a timing claim.
const DEADLINE: Duration = Duration::from_secs(300);

#[tokio::test]
async fn two_instances_share_the_work_and_one_survives_the_others_sigkill() {
    let started = Instant::now();
    let model = FakeLlm::start().await;
    // Slow enough that each instance has runs in flight when the first is killed.
    model.always(Reply::Slow(
        Duration::from_millis(250),
        Box::new(Reply::IfRequestHas(
            QUIET_MARK,
            Box::new(no_reply("the conversation is over")),
            Box::new(draft("Happy to talk, how about 3pm?")),
        )),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let database = TestDatabase::create().await;
    let url = database.url.clone();
    let db = Db::open(&url, PoolSettings::default())
        .await
        .expect("database");
    let token = user_with_token(&db, "anna").await;
    let sql = any_pool(&url).await;

    let mut a = start_instance(dir.path(), &url, &model.base_url, MODEL_A).await;
    let b = start_instance(dir.path(), &url, &model.base_url, MODEL_B).await;
    let addresses = [a.address.clone(), b.address.clone()];

    // The clients post each thread's first message to instance `i % 2` and the follow-ups
    // to the other one; a post the killed instance does not answer goes to the other.
    let fallbacks = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|k| {
            let (token, addresses, fallbacks) =
                (token.clone(), addresses.clone(), fallbacks.clone());
            tokio::spawn(async move {
                let client = http_client();
                let mut new_messages = 0;
                let mine: Vec<usize> = (k..THREADS).step_by(CLIENTS).collect();
                for &i in &mine {
                    let (first, other) = (&addresses[i % 2], &addresses[(i + 1) % 2]);
                    let sent = post(&client, &token, [first, other], i, 1).await;
                    new_messages += sent.new_messages;
                    fallbacks.fetch_add(usize::from(sent.fell_back), Ordering::Relaxed);
                }
                for &i in mine.iter().filter(|&&i| i % FOLLOW_UP == 1) {
                    let (first, other) = (&addresses[(i + 1) % 2], &addresses[i % 2]);
                    let sent = post(&client, &token, [first, other], i, 2).await;
                    new_messages += sent.new_messages;
                    fallbacks.fetch_add(usize::from(sent.fell_back), Ordering::Relaxed);
                }
                new_messages
            })
        })
        .collect();

    model.wait_for_requests(KILL_AFTER_REQUESTS).await;
    wait_until(&sql, "instance A has a run in flight", async |sql| {
        in_flight(sql, MODEL_A).await > 0
    })
    .await;
    a.kill();
    let killed_at = Instant::now();
    let cut_short = in_flight(&sql, MODEL_A).await;
    assert!(cut_short > 0, "the kill hit instance A mid-run");
    eprintln!(
        "killed A after {:.1?}: {} model requests so far, A's runs cut short: {cut_short}, \
         jobs: {:?}",
        started.elapsed(),
        model.requests().len(),
        job_states(&sql).await
    );

    let mut reported_new = 0;
    for client in clients {
        reported_new += tokio::time::timeout(DEADLINE, client)
            .await
            .expect("the clients finished")
            .expect("a client panicked");
    }
    let posted_at = Instant::now();
    wait_until(&sql, "no job is queued or running", async |sql| {
        job_states(sql)
            .await
            .iter()
            .all(|(state, _)| state != "queued" && state != "running")
    })
    .await;
    eprintln!(
        "all jobs settled {:.1?} after the kill ({:.1?} after the last post); \
         {reported_new} messages reported new, {} posts went to the survivor instead",
        killed_at.elapsed(),
        posted_at.elapsed(),
        fallbacks.load(Ordering::Relaxed)
    );

    // No job failed or is left running.
    let unfinished: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, state, last_error FROM jobs WHERE state <> 'done' ORDER BY id")
            .fetch_all(&sql)
            .await
            .expect("jobs");
    assert!(unfinished.is_empty(), "jobs not done: {unfinished:?}");
    assert_eq!(
        count(
            &sql,
            "SELECT count(*) FROM agent_runs WHERE outcome IS NULL"
        )
        .await,
        0,
        "every run was finished or closed as interrupted"
    );

    // Every message was stored once.
    let follow_ups = (0..THREADS).filter(|i| i % FOLLOW_UP == 1).count();
    let sent = i64::try_from(THREADS + follow_ups).expect("a count");
    assert_eq!(count(&sql, "SELECT count(*) FROM messages").await, sent);
    assert_eq!(
        count(
            &sql,
            "SELECT count(*) FROM (SELECT DISTINCT thread_id, message_id FROM messages) AS m"
        )
        .await,
        sent
    );
    assert!(reported_new <= sent, "{reported_new} new of {sent} sent");

    // Each thread: one pending draft answering its newest message, or a no-reply decision
    // as its latest run and no pending draft.
    let threads: Vec<ThreadEnd> = sqlx::query_as(
        "SELECT t.name, \
                (SELECT count(*) FROM messages m WHERE m.thread_id = t.id), \
                (SELECT count(*) FROM drafts d WHERE d.thread_id = t.id AND d.status = 'pending'), \
                (SELECT r.outcome FROM agent_runs r WHERE r.thread_id = t.id \
                 ORDER BY r.id DESC LIMIT 1), \
                (SELECT d.answers_message = (SELECT max(m.id) FROM messages m \
                                             WHERE m.thread_id = t.id) \
                 FROM drafts d WHERE d.thread_id = t.id AND d.status = 'pending') \
         FROM threads t ORDER BY t.name",
    )
    .fetch_all(&sql)
    .await
    .expect("threads");
    assert_eq!(threads.len(), THREADS);
    let mut wrong = Vec::new();
    for (i, (name, messages, pending, outcome, answers_newest)) in threads.iter().enumerate() {
        assert_eq!(*name, thread_name(i));
        let expected_messages = if i % FOLLOW_UP == 1 { 2 } else { 1 };
        let fine = if i.is_multiple_of(QUIET) {
            *pending == 0 && outcome.as_deref() == Some("no_reply")
        } else {
            *pending == 1
                && outcome.as_deref() == Some("drafted")
                && *answers_newest == Some(Flag(true))
        };
        if !fine || *messages != expected_messages {
            wrong.push(format!(
                "{name}: {messages} messages, {pending} pending, latest run {outcome:?}, \
                 answers the newest message: {answers_newest:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "threads not as expected:\n{}",
        wrong.join("\n")
    );

    // The survivor took over the killed instance's jobs.
    let interrupted = count_for(
        &sql,
        "SELECT count(*) FROM agent_runs WHERE model = $1 AND error LIKE 'interrupted%'",
        MODEL_A,
    )
    .await;
    assert!(
        interrupted > 0,
        "A's cut-short runs are recorded as interrupted"
    );
    let runs: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT model, coalesce(outcome, 'none'), count(*) FROM agent_runs \
         GROUP BY model, outcome ORDER BY model, outcome",
    )
    .fetch_all(&sql)
    .await
    .expect("runs");
    eprintln!("runs by instance and outcome: {runs:?}");

    // Resending every thread to the survivor stores nothing and queues nothing.
    let jobs_before = count(&sql, "SELECT count(*) FROM jobs").await;
    let client = http_client();
    for i in 0..THREADS {
        let parts = if i % FOLLOW_UP == 1 { 2 } else { 1 };
        let sent = post(&client, &token, [&b.address, &b.address], i, parts).await;
        assert_eq!(sent.new_messages, 0, "{} resent", thread_name(i));
    }
    assert_eq!(count(&sql, "SELECT count(*) FROM messages").await, sent);
    assert_eq!(count(&sql, "SELECT count(*) FROM jobs").await, jobs_before);

    let logs = [&a, &b].map(Server::log_text);
    let warnings = logs.each_ref().map(|log| log.matches(" WARN ").count());
    eprintln!("warnings logged: A {}, B {}", warnings[0], warnings[1]);
    let errors = logs.each_ref().map(|log| error_lines(log));
    assert!(
        errors.iter().all(Vec::is_empty),
        "the instances logged errors: {errors:?}"
    );

    live_update_across_instances(&model, &sql, &token, &mut a, &b).await;
    eprintln!("two-instance test took {:.1?}", started.elapsed());
}

/// A dashboard served by one instance shows, live, a draft the other instance made. Both
/// have workers and either may claim the job (the poster's is woken at once, the other's
/// by PostgreSQL's notification), so the watcher is whichever did not draft.
async fn live_update_across_instances(
    model: &FakeLlm,
    sql: &sqlx::AnyPool,
    token: &str,
    a: &mut Server,
    b: &Server,
) {
    let password = "correct horse battery";
    sqlx::query("UPDATE users SET password_hash = $1 WHERE name = 'anna'")
        .bind(draftdesk::auth::hash_password(password).expect("hash"))
        .execute(sql)
        .await
        .expect("password");
    a.restart().await;
    let mut browsers = Vec::new();
    for address in [&a.address, &b.address] {
        let browser = Browser::at(address);
        let response = browser
            .submit(
                "/login",
                "/login",
                &[("name", "anna"), ("password", password), ("next", "/")],
            )
            .await;
        assert_see_other(&response, "/");
        browsers.push(browser);
    }

    // The live thread's draft waits at the gate, so that the watcher's version can be read
    // between the message and the draft.
    let gate = Arc::new(Semaphore::new(0));
    model.always(Reply::IfRequestHas(
        LIVE_MARK,
        Box::new(Reply::Gated(gate.clone(), Box::new(draft(LIVE_DRAFT)))),
        Box::new(draft("Happy to talk, how about 3pm?")),
    ));
    let mut dashboards = Vec::new();
    for browser in &browsers {
        let dashboard = browser.page("/").await;
        assert_eq!(
            live_version_attribute(&dashboard),
            live_version(browser).await
        );
        dashboards.push(dashboard);
    }

    let thread = LIVE_MARK.to_owned();
    let body = json!({"user_id": "anna", "thread_name": thread,
                      "messages": [message("live", "Bob",
                                           &format!("{LIVE_MARK}: still on for Friday?"))]});
    let response = send_to(&http_client(), &a.address, token, &body).await;
    assert_eq!(response.status(), 202);

    let mut drafting: Option<String> = None;
    wait_until(sql, "the live thread's run starts", async |sql| {
        drafting = sqlx::query_scalar(
            "SELECT r.model FROM agent_runs r JOIN threads t ON t.id = r.thread_id \
             WHERE t.name = $1 AND r.outcome IS NULL",
        )
        .bind(&thread)
        .fetch_optional(sql)
        .await
        .expect("runs");
        drafting.is_some()
    })
    .await;
    let watcher = match drafting.as_deref() {
        Some(MODEL_A) => 1,
        Some(MODEL_B) => 0,
        other => panic!("a run by neither instance: {other:?}"),
    };
    let browser = &browsers[watcher];
    let before_draft = live_version(browser).await;
    gate.add_permits(1);
    wait_until(sql, "the live thread's job is done", async |sql| {
        count_for(
            sql,
            "SELECT count(*) FROM jobs j JOIN threads t ON t.id = j.thread_id \
             WHERE t.name = $1 AND j.state = 'done'",
            &thread,
        )
        .await
            == 1
    })
    .await;

    let after_draft = live_version(browser).await;
    assert_ne!(
        after_draft, before_draft,
        "the watcher's version changes with the other instance's draft"
    );
    let draft_id: String = sqlx::query_scalar(
        "SELECT d.draft_message_id FROM drafts d JOIN threads t ON t.id = d.thread_id \
         WHERE t.name = $1 AND d.status = 'pending'",
    )
    .bind(&thread)
    .fetch_one(sql)
    .await
    .expect("the live draft");
    let card = format!("id=\"card-{draft_id}\"");
    assert!(!dashboards[watcher].contains(&card));
    let reloaded = browser.page("/").await;
    assert!(reloaded.contains(&card), "the watcher lists the new draft");
    assert!(reloaded.contains(LIVE_DRAFT));
    assert!(reloaded.contains(&thread));
    eprintln!(
        "live check passed: instance {} drafted, the other showed it",
        ["A", "B"][1 - watcher]
    );
}

/// How a thread ended: its name, messages, pending drafts, its latest run's outcome, and
/// whether its pending draft answers its newest message.
type ThreadEnd = (String, i64, i64, Option<String>, Option<Flag>);

async fn start_instance(
    dir: &std::path::Path,
    database_url: &str,
    model_url: &str,
    model_name: &str,
) -> Server {
    Server::start(
        dir,
        &[
            ("DATABASE_URL", database_url),
            ("LLM_BASE_URL", model_url),
            ("LLM_API_KEY", "test-key"),
            ("LLM_MODEL", model_name),
            ("LLM_TIMEOUT_SECS", "60"),
            ("JOB_CONCURRENCY", "4"),
            // Short, so that the survivor takes the dead instance's jobs soon.
            ("JOB_LEASE_SECS", "2"),
            // All 200 threads may wait at once.
            ("JOB_MAX_QUEUED_PER_USER", "1000"),
        ],
    )
    .await
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client")
}

fn thread_name(i: usize) -> String {
    format!("thread {i:03}")
}

/// Message `part` (1 or 2) of thread `i`.
fn thread_message(i: usize, part: usize) -> Value {
    let text = if i.is_multiple_of(QUIET) {
        format!("Thanks, {QUIET_MARK} ({i}.{part})")
    } else {
        format!("Are you around for a call? ({i}.{part})")
    };
    let mut message = message(&format!("m{i}-{part}"), "Bob", &text);
    message["time"] = json!(format!("10:{part:02}"));
    message
}

struct Posted {
    new_messages: i64,
    /// The first address did not answer, the second did.
    fell_back: bool,
}

/// Posts thread `i`'s messages 1 to `parts` to the first address, or, if it does not
/// answer (killed), to the second.
async fn post(
    client: &reqwest::Client,
    token: &str,
    addresses: [&String; 2],
    i: usize,
    parts: usize,
) -> Posted {
    let messages: Vec<Value> = (1..=parts).map(|part| thread_message(i, part)).collect();
    let body = json!({"user_id": "anna", "thread_name": thread_name(i), "messages": messages});
    let mut failure = None;
    for (n, address) in addresses.iter().enumerate() {
        let answer = async {
            let response = client
                .post(format!("{address}/send-messages/"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        };
        match answer.await {
            Ok((status, text)) => {
                assert_eq!(status, 202, "{address} answered {status}: {text}");
                let body: Value = serde_json::from_str(&text).expect("json");
                return Posted {
                    new_messages: body["new_messages"].as_i64().expect("new_messages"),
                    fell_back: n > 0,
                };
            }
            Err(error) => failure = Some(error),
        }
    }
    panic!("no instance answered for {}: {failure:?}", thread_name(i));
}

/// How many runs of the instance using `model_name` are in progress.
async fn in_flight(sql: &sqlx::AnyPool, model_name: &str) -> i64 {
    count_for(
        sql,
        "SELECT count(*) FROM agent_runs WHERE model = $1 AND outcome IS NULL",
        model_name,
    )
    .await
}

/// Polls until `done` holds; fails after [`DEADLINE`], saying what was awaited.
async fn wait_until(
    sql: &sqlx::AnyPool,
    what: &str,
    mut done: impl AsyncFnMut(&sqlx::AnyPool) -> bool,
) {
    let started = Instant::now();
    while !done(sql).await {
        assert!(
            started.elapsed() < DEADLINE,
            "waited in vain until {what}; jobs: {:?}",
            job_states(sql).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(sql: &sqlx::AnyPool, query: &str) -> i64 {
    sqlx::query_scalar(query)
        .fetch_one(sql)
        .await
        .expect("count")
}

async fn count_for(sql: &sqlx::AnyPool, query: &str, value: &str) -> i64 {
    sqlx::query_scalar(query)
        .bind(value)
        .fetch_one(sql)
        .await
        .expect("count")
}

/// `GET /live/version` as the signed-in page polls it.
async fn live_version(browser: &Browser) -> String {
    let response = browser.get("/live/version").await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["version"].as_str().expect("a version").to_owned()
}

/// The version a dashboard page was rendered at.
fn live_version_attribute(html: &str) -> String {
    let marker = "data-live-version=\"";
    let start = html.find(marker).expect("a live version") + marker.len();
    html[start..].split('"').next().expect("a value").to_owned()
}

/// The lines a server logged at ERROR level.
fn error_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|line| line.contains(" ERROR "))
        .map(str::to_owned)
        .collect()
}

//! Style notes as a versioned list: which runs a note reaches (checked in what the fake
//! model was sent), feedback with a reach, and notes edited, retired and restored in
//! Settings, each version kept.

use serde_json::json;

use crate::fake_llm::{FakeLlm, Reply, draft};
use crate::helpers::{TestApp, error_body, json_body, message, spawn_app_with_model};
use crate::pages::{assert_see_other, signed_in};

/// The system prompt of the model request at `index`.
fn system_prompt(model: &FakeLlm, index: usize) -> String {
    model.requests()[index]["messages"][0]["content"]
        .as_str()
        .expect("a system prompt")
        .to_owned()
}

/// The pending draft of a thread, by the thread's name.
async fn pending(app: &TestApp, thread: &str) -> String {
    app.pending_drafts()
        .await
        .into_iter()
        .find(|d| d["thread_name"] == thread)
        .and_then(|d| d["draft_message_id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("a pending draft for {thread}"))
}

async fn thread_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM threads WHERE name = $1")
        .bind(name)
        .fetch_one(&app.sql)
        .await
        .expect("the thread")
}

/// The notes recorded on each run of a thread, oldest run first.
async fn recorded(app: &TestApp, thread: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT r.style_note_ids FROM agent_runs r JOIN threads t ON t.id = r.thread_id \
         WHERE t.name = $1 ORDER BY r.id",
    )
    .bind(thread)
    .fetch_all(&app.sql)
    .await
    .expect("runs")
}

async fn send(app: &TestApp, thread: &str, id: &str, text: &str) {
    json_body(
        app.send_messages(thread, json!([message(id, thread, text)]))
            .await,
        202,
    )
    .await;
}

/// Feedback on the draft `id` through the API, kept as far as `reach` says; accepted.
async fn give_feedback(app: &TestApp, id: &str, feedback: &str, reach: &str) {
    let body = json!({"user_id": "anna", "draft_message_id": id, "feedback": feedback,
                      "reach": reach});
    json_body(app.post("/process-feedback/", &body).await, 202).await;
}

#[tokio::test]
async fn a_contact_note_reaches_only_that_contacts_runs() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    model.push([draft("Hi Anna, Tuesday works.")]);
    send(&app, "Anna", "a1", "Could we meet on Tuesday?").await;
    app.run_jobs().await;
    let first = pending(&app, "Anna").await;

    // "This contact": the revision, then the model phrases the feedback as a note.
    model.push([
        draft("Dear Dr. Schmidt, Tuesday works."),
        Reply::Tool(
            "remember_style",
            json!({"note": "Address her as Dr. Schmidt."}),
        ),
    ]);
    let feedback = "call her Dr. Schmidt, she prefers it";
    give_feedback(&app, &first, feedback, "contact").await;
    app.run_jobs().await;
    let asked = model.requests()[2].to_string();
    assert!(
        asked.contains("in this conversation only") && asked.contains(feedback),
        "the model was asked to phrase it for this contact: {asked}"
    );
    let note: (
        i64,
        Option<i64>,
        String,
        String,
        Option<String>,
        Option<String>,
    ) = sqlx::query_as(
        "SELECT n.id, n.thread_id, n.text, n.source, n.feedback, d.draft_message_id \
             FROM style_notes n LEFT JOIN drafts d ON d.id = n.draft_id",
    )
    .fetch_one(&app.sql)
    .await
    .expect("one note");
    let anna = thread_id(&app, "Anna").await;
    assert_eq!(
        note,
        (
            note.0,
            Some(anna),
            "Address her as Dr. Schmidt.".to_owned(),
            "feedback".to_owned(),
            Some(feedback.to_owned()),
            Some(first.clone())
        )
    );

    // Another contact's run is not given it.
    model.push([draft("Hi Bob, sure.")]);
    send(&app, "Bob", "b1", "Can you send the deck?").await;
    app.run_jobs().await;
    let bob = system_prompt(&model, 3);
    assert!(!bob.contains("Dr. Schmidt"), "{bob}");
    assert!(bob.contains("(none yet)"), "{bob}");
    assert_eq!(recorded(&app, "Bob").await, ["[]"]);

    // Anna's next run is, as hers only.
    model.push([draft("Dear Dr. Schmidt, see you then.")]);
    send(&app, "Anna", "a2", "Great, 10 am then?").await;
    app.run_jobs().await;
    let anna_prompt = system_prompt(&model, 4);
    assert!(
        anna_prompt.contains("For this conversation only:\n- Address her as Dr. Schmidt."),
        "{anna_prompt}"
    );
    let runs = recorded(&app, "Anna").await;
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2], format!("[{}]", note.0), "the run records the note");

    // The draft's "Based on" lists the note it was given, as a note for this contact.
    let run: i64 = sqlx::query_scalar("SELECT max(id) FROM agent_runs WHERE thread_id = $1")
        .bind(anna)
        .fetch_one(&app.sql)
        .await
        .expect("the run");
    let page = signed_in(&app, "anna")
        .await
        .page(&format!("/threads/{anna}"))
        .await;
    let panel = &page[page
        .find(&format!("id=\"based-on-run-{run}\""))
        .expect("the run's panel")..];
    let panel = &panel[..panel.find("</section>").expect("the panel ends")];
    assert!(panel.contains("Style notes it was given"), "{panel}");
    assert!(
        panel.contains(
            "Address her as Dr. Schmidt.</span> <span class=\"muted\">(for this contact)"
        ),
        "{panel}"
    );
}

#[tokio::test]
async fn feedback_kept_always_needs_no_model_instruction_and_a_bad_reach_is_refused() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    model.push([draft("Hi Anna, sure.")]);
    send(&app, "Anna", "a1", "Lunch?").await;
    app.run_jobs().await;
    let first = pending(&app, "Anna").await;

    let error = error_body(
        app.post(
            "/process-feedback/",
            &json!({"user_id": "anna", "draft_message_id": first, "feedback": "shorter",
                    "reach": "forever"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(error["field"], "reach");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("draft, contact, always or auto")),
        "{error}"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE kind = 'revise'")
            .await,
        0
    );

    // The model finds nothing to phrase: the feedback itself is kept, as chosen.
    model.push([
        draft("Sure."),
        Reply::Tool("nothing_to_remember", json!({})),
    ]);
    let feedback = "keep it to one line";
    give_feedback(&app, &first, feedback, "always").await;
    app.run_jobs().await;
    let notes: Vec<(Option<i64>, String, String)> =
        sqlx::query_as("SELECT thread_id, text, source FROM style_notes")
            .fetch_all(&app.sql)
            .await
            .expect("notes");
    assert_eq!(notes, [(None, feedback.to_owned(), "feedback".to_owned())]);
}

#[tokio::test]
async fn feedback_for_this_draft_only_creates_no_note() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    model.push([draft("Hi Anna, Tuesday works. 😊")]);
    send(&app, "Anna", "a1", "Tuesday?").await;
    app.run_jobs().await;
    let first = pending(&app, "Anna").await;

    // From the dashboard card, as the reviewer would.
    model.push([draft("Hi Anna, Tuesday works.")]);
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{first}/feedback"),
            &[
                ("feedback", "never use emojis"),
                ("reach", "draft"),
                ("return_to", "/"),
            ],
        )
        .await;
    assert_see_other(&response, "/");
    assert_eq!(app.run_jobs().await, 1);
    let drafts = app.pending_drafts().await;
    assert_eq!(
        drafts[0]["draft_message_content"], "Hi Anna, Tuesday works.",
        "the draft was revised"
    );
    assert_eq!(
        model.requests().len(),
        2,
        "the model was not asked what the feedback teaches"
    );
    assert_eq!(app.count("SELECT count(*) FROM style_notes").await, 0);

    // A reach the form does not offer is refused on the page, with what was typed.
    let revised = pending(&app, "Anna").await;
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{revised}/feedback"),
            &[("feedback", "warmer"), ("reach", "everywhere")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("Choose how far the feedback reaches"),
        "{page}"
    );
    assert!(page.contains(">warmer</textarea>"), "{page}");
    assert_eq!(
        app.count("SELECT count(*) FROM jobs WHERE state = 'queued'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_retired_note_reaches_no_run_until_it_is_restored() {
    let model = FakeLlm::start().await;
    model.always(draft("Noted."));
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    let response = browser
        .submit(
            "/settings",
            "/settings/notes",
            &[("text", "Sign as A."), ("thread", "")],
        )
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    let note: i64 = sqlx::query_scalar("SELECT id FROM style_notes")
        .fetch_one(&app.sql)
        .await
        .expect("the note");

    send(&app, "Anna", "a1", "Hello?").await;
    app.run_jobs().await;
    assert!(system_prompt(&model, 0).contains("- Sign as A."));

    let response = browser
        .submit("/settings", &format!("/settings/notes/{note}/retire"), &[])
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    send(&app, "Anna", "a2", "Anyone?").await;
    app.run_jobs().await;
    let retired = system_prompt(&model, 1);
    assert!(!retired.contains("Sign as A."), "{retired}");
    assert_eq!(recorded(&app, "Anna").await[1], "[]");
    let settings = browser.page("/settings").await;
    assert!(settings.contains("Retired notes (1)"), "{settings}");

    let response = browser
        .submit("/settings", &format!("/settings/notes/{note}/restore"), &[])
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    send(&app, "Anna", "a3", "Still there?").await;
    app.run_jobs().await;
    assert!(system_prompt(&model, 2).contains("- Sign as A."));
    assert_eq!(recorded(&app, "Anna").await[2], format!("[{note}]"));
}

/// (id, text, retired, replaces) of every version, oldest first.
async fn versions(app: &TestApp) -> Vec<(i64, String, bool, Option<i64>)> {
    let rows: Vec<(i64, String, Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT id, text, retired_at, replaces_id FROM style_notes ORDER BY id")
            .fetch_all(&app.sql)
            .await
            .expect("versions");
    rows.into_iter()
        .map(|(id, text, retired, replaces)| (id, text, retired.is_some(), replaces))
        .collect()
}

#[tokio::test]
async fn notes_are_edited_as_new_versions_and_a_stale_edit_is_refused() {
    let model = FakeLlm::start().await;
    model.always(draft("Hi."));
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    send(&app, "Bob Baker", "b1", "Hi there").await;
    app.run_jobs().await;
    let bob = thread_id(&app, "Bob Baker").await;

    // A note for one contact, chosen from the list of threads.
    let settings = browser.page("/settings").await;
    assert!(
        settings.contains(&format!(
            "<option value=\"{bob}\">This contact only: Bob Baker</option>"
        )),
        "{settings}"
    );
    let response = browser
        .submit(
            "/settings",
            "/settings/notes",
            &[("text", "Use first names."), ("thread", &bob.to_string())],
        )
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    let v1: i64 = sqlx::query_scalar("SELECT id FROM style_notes")
        .fetch_one(&app.sql)
        .await
        .expect("the note");

    let response = browser
        .submit(
            "/settings",
            &format!("/settings/notes/{v1}/edit"),
            &[("text", "Use first names, never titles.")],
        )
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    let all = versions(&app).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], (v1, "Use first names.".to_owned(), true, None));
    assert_eq!(
        all[1],
        (
            all[1].0,
            "Use first names, never titles.".to_owned(),
            false,
            Some(v1)
        )
    );
    let (thread, source): (Option<i64>, String) =
        sqlx::query_as("SELECT thread_id, source FROM style_notes WHERE id = $1")
            .bind(all[1].0)
            .fetch_one(&app.sql)
            .await
            .expect("the new version");
    assert_eq!((thread, source.as_str()), (Some(bob), "settings"));
    let page = browser.page("/settings").await;
    assert!(
        page.contains("This contact only: <a href=\"/threads/"),
        "{page}"
    );
    assert!(page.contains("Use first names, never titles."));
    assert!(page.contains("Earlier versions (1)"), "{page}");
    assert!(
        page.contains("Use first names.</span>"),
        "the old wording is shown"
    );
    assert!(page.contains("edited by you"), "{page}");

    // The page open elsewhere still shows the first version: its edit is refused, the
    // text typed is kept in the note's box as it is now, and nothing is written.
    let response = browser
        .submit(
            "/settings",
            &format!("/settings/notes/{v1}/edit"),
            &[("text", "Call him Bob.")],
        )
        .await;
    assert_eq!(response.status(), 409);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("Not saved: this note was edited while you wrote"),
        "{page}"
    );
    assert!(
        page.contains(&format!("action=\"/settings/notes/{}/edit\"", all[1].0)),
        "{page}"
    );
    assert!(page.contains(">Call him Bob.</textarea>"), "{page}");
    assert_eq!(versions(&app).await, all, "nothing was written");

    // Retiring the old version is refused too; the current one retires and restores.
    let response = browser
        .submit("/settings", &format!("/settings/notes/{v1}/retire"), &[])
        .await;
    assert_see_other(&response, "/settings#notes-heading");
    assert!(
        browser
            .page("/settings")
            .await
            .contains("Not done: this note was edited meanwhile")
    );
    assert_eq!(versions(&app).await, all);

    // An empty edit changes nothing and says why.
    let response = browser
        .submit(
            "/settings",
            &format!("/settings/notes/{}/edit", all[1].0),
            &[("text", "  ")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("a page")
            .contains("Not saved: the note is empty.")
    );
    assert_eq!(versions(&app).await, all);

    // Someone else's note, or no note, is not found.
    assert_eq!(
        browser
            .submit("/settings", "/settings/notes/999999/retire", &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn saving_names_leaves_the_notes_as_they_are() {
    let model = FakeLlm::start().await;
    let app = spawn_app_with_model(&model.base_url).await;
    let browser = signed_in(&app, "anna").await;
    let page = browser.page("/settings").await;
    browser
        .submit(
            "/settings",
            "/settings/notes",
            &[("text", "Short and warm."), ("thread", "")],
        )
        .await;
    let response = browser
        .post(
            "/settings/profile",
            &[
                ("csrf", &crate::pages::csrf(&page)),
                ("names", "anna\nAnna S."),
            ],
        )
        .await;
    assert_see_other(&response, "/settings");
    assert_eq!(versions(&app).await.len(), 1);
    assert!(!versions(&app).await[0].2, "still in force");
}

/// (account, text, source, thread, retired) of a note.
type CarriedRow = (String, String, String, Option<i64>, Option<String>);

/// The style notes text of an account from before notes were a list, as a user wrote it
/// (with the "- " lines that feedback added, blank lines and stray spaces).
const OLD_NOTES: &str = "Short and warm.\r\n- Never use emojis.\n\n  * Sign as A.  \n-\n";

#[tokio::test]
async fn the_old_style_notes_text_is_carried_over_line_by_line() {
    use std::path::Path;
    use std::str::FromStr;

    use sqlx::migrate::Migrator;

    use crate::database::{Backend, TestDatabase};

    let database = TestDatabase::create().await;
    let folder = match crate::BACKEND {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let mut migrator = Migrator::new(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(folder),
    )
    .await
    .expect("the migrations");
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version <= 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let insert = "INSERT INTO users (name, display_name, my_names, style_notes) \
                  VALUES ('anna', 'Anna', '[\"anna\"]', $1), ('ben', 'Ben', '[\"ben\"]', '')";
    match crate::BACKEND {
        Backend::Sqlite => {
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(&database.url)
                .expect("a SQLite URL")
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("the database");
            migrator.run(&pool).await.expect("migrations 0001-0008");
            sqlx::query(insert)
                .bind(OLD_NOTES)
                .execute(&pool)
                .await
                .expect("users");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&database.url)
                .await
                .expect("the database");
            migrator.run(&pool).await.expect("migrations 0001-0008");
            sqlx::query(insert)
                .bind(OLD_NOTES)
                .execute(&pool)
                .await
                .expect("users");
            pool.close().await;
        }
    }

    let app = crate::helpers::spawn_app_on(database, |_| {}).await;
    let notes: Vec<CarriedRow> = sqlx::query_as(
        "SELECT u.name, n.text, n.source, n.thread_id, n.retired_at \
         FROM style_notes n JOIN users u ON u.id = n.user_id ORDER BY n.id",
    )
    .fetch_all(&app.sql)
    .await
    .expect("notes");
    let carried = |text: &str| {
        (
            "anna".to_owned(),
            text.to_owned(),
            "carried_over".to_owned(),
            None,
            None,
        )
    };
    assert_eq!(
        notes,
        [
            carried("Short and warm."),
            carried("Never use emojis."),
            carried("Sign as A.")
        ]
    );
    let browser = signed_in(&app, "anna").await;
    let page = browser.page("/settings").await;
    assert!(
        page.contains("Carried over from your earlier style notes"),
        "{page}"
    );
    assert!(page.contains("Never use emojis."), "{page}");
}

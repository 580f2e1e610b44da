//! "How it is going" (`/stats`, `/stats.csv`): a scripted fortnight of drafts, approvals,
//! edits, revisions, rejections and overturned no-reply decisions by two models, written
//! straight into the tables with known times, and the figures the page and the CSV give
//! for it; the same figures from the real flows; the empty state, a bad `weeks`, signed-out
//! visitors, and another user's data.
//!
//! The scripted weeks are two and one weeks before the current one: should the week turn
//! while a test runs, they are still in the range, under the same Mondays.

use chrono::{Days, NaiveDate, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use crate::pages::{
    Browser, assert_see_other, paste_thread, pending_draft_id, signed_in, strip_tags,
};

const M1: &str = "test/model";
/// A model name that CSV must quote.
const M2: &str = "acme \"fast\", v2";
const HEADER: &str = "week_start,iso_week,scope,model,drafts_made,approved_unchanged,\
                      approved_with_edits,median_edit_chars,revised,rejected,\
                      no_reply_overturned,median_seconds_to_approval";

/// The Monday of the current week (UTC).
fn this_monday() -> NaiveDate {
    draftdesk::stats::week_start(Utc::now())
}

/// `days` after `monday`, at `hh:mm` UTC, in the stored form.
fn at(monday: NaiveDate, days: u64, time: &str) -> String {
    let day = monday.checked_add_days(Days::new(days)).expect("a date");
    format!("{}T{time}:00.000Z", day.format("%Y-%m-%d"))
}

/// Writes rows for one user straight into the tables.
struct Script<'a> {
    app: &'a TestApp,
    user: i64,
}

/// A draft to write: its thread, text, status and times.
#[derive(Default)]
struct Draft<'a> {
    thread: i64,
    run: Option<i64>,
    answers: Option<i64>,
    content: &'a str,
    final_content: Option<&'a str>,
    status: &'a str,
    revises: Option<i64>,
    created: String,
    decided: Option<String>,
}

impl<'a> Script<'a> {
    async fn for_user(app: &'a TestApp, name: &str) -> Self {
        let user = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
            .bind(name)
            .fetch_one(&app.sql)
            .await
            .expect("the user");
        Self { app, user }
    }

    async fn thread(&self, name: &str) -> i64 {
        sqlx::query_scalar("INSERT INTO threads (user_id, name) VALUES ($1, $2) RETURNING id")
            .bind(self.user)
            .bind(name)
            .fetch_one(&self.app.sql)
            .await
            .expect("a thread")
    }

    async fn message(&self, thread: i64, received: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO messages (user_id, thread_id, message_id, sender_name, sort_key, content, \
                                   received_at) \
             VALUES ($1, $2, $3, 'Bob', $4, 'Are you free on Tuesday?', $4) RETURNING id",
        )
        .bind(self.user)
        .bind(thread)
        .bind(format!("m-{thread}-{received}"))
        .bind(received)
        .fetch_one(&self.app.sql)
        .await
        .expect("a message")
    }

    async fn run(&self, thread: i64, model: &str, outcome: &str, started: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO agent_runs (thread_id, trigger, model, outcome, started_at, finished_at) \
             VALUES ($1, 'new_messages', $2, $3, $4, $4) RETURNING id",
        )
        .bind(thread)
        .bind(model)
        .bind(outcome)
        .bind(started)
        .fetch_one(&self.app.sql)
        .await
        .expect("a run")
    }

    async fn job(&self, thread: i64, payload: &str, created: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO jobs (kind, user_id, thread_id, payload, state, run_at, created_at, \
                               updated_at, finished_at) \
             VALUES ('draft', $1, $2, $3, 'done', $4, $4, $4, $4) RETURNING id",
        )
        .bind(self.user)
        .bind(thread)
        .bind(payload)
        .bind(created)
        .fetch_one(&self.app.sql)
        .await
        .expect("a job")
    }

    /// A run of `job`, on its thread.
    async fn job_run(
        &self,
        thread: i64,
        job: i64,
        model: &str,
        outcome: &str,
        started: &str,
    ) -> i64 {
        let run = self.run(thread, model, outcome, started).await;
        sqlx::query("UPDATE agent_runs SET job_id = $1 WHERE id = $2")
            .bind(job)
            .bind(run)
            .execute(&self.app.sql)
            .await
            .expect("the run's job");
        run
    }

    async fn draft(&self, d: Draft<'_>) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO drafts (draft_message_id, user_id, thread_id, content, status, \
                                 revises_draft_id, feedback, agent_run_id, answers_message, \
                                 final_content, created_at, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(format!("d-{}-{}-{}", self.user, d.thread, d.created))
        .bind(self.user)
        .bind(d.thread)
        .bind(d.content)
        .bind(d.status)
        .bind(d.revises)
        .bind(d.revises.map(|_| "shorter"))
        .bind(d.run)
        .bind(d.answers)
        .bind(d.final_content)
        .bind(&d.created)
        .bind(d.decided.as_deref())
        .fetch_one(&self.app.sql)
        .await
        .expect("a draft")
    }
}

/// Anna's fortnight (weeks A and B, the two before the current one) and Bob's, who must
/// never show on Anna's pages.
async fn script_a_fortnight(app: &TestApp) -> (NaiveDate, NaiveDate) {
    let monday = this_monday();
    let a = monday.checked_sub_days(Days::new(14)).expect("a date");
    let b = monday.checked_sub_days(Days::new(7)).expect("a date");
    let anna = Script::for_user(app, "anna").await;

    // Week A. Approved unchanged, the approved text as a browser sends it (CRLF, a
    // trailing line break): 2 h from the message.
    let t = anna.thread("t1").await;
    let m = anna.message(t, &at(a, 0, "09:00")).await;
    let r = anna.run(t, M1, "drafted", &at(a, 0, "09:55")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        answers: Some(m),
        content: "Hi Bob,\nTuesday works.",
        final_content: Some("Hi Bob,\r\nTuesday works.\r\n"),
        status: "approved",
        created: at(a, 0, "10:00"),
        decided: Some(at(a, 0, "11:00")),
        ..Draft::default()
    })
    .await;
    // Approved with an edit of 10 characters ("Hi Bob, s" out, "S" in), 3 h 30 min.
    let t = anna.thread("t2").await;
    let m = anna.message(t, &at(a, 0, "09:00")).await;
    let r = anna.run(t, M1, "drafted", &at(a, 0, "09:25")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        answers: Some(m),
        content: "Hi Bob, see you Tuesday.",
        final_content: Some("See you Tuesday."),
        status: "approved",
        created: at(a, 0, "09:30"),
        decided: Some(at(a, 0, "12:30")),
        ..Draft::default()
    })
    .await;
    // A draft revised from feedback, and the revision rejected (model 2).
    let t = anna.thread("t3").await;
    let r = anna.run(t, M2, "drafted", &at(a, 1, "09:55")).await;
    let first = anna
        .draft(Draft {
            thread: t,
            run: Some(r),
            content: "Dear Bob, I would be delighted to meet on Tuesday.",
            status: "superseded",
            created: at(a, 1, "10:00"),
            decided: Some(at(a, 1, "12:00")),
            ..Draft::default()
        })
        .await;
    let r = anna.run(t, M2, "drafted", &at(a, 1, "11:59")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        content: "Tuesday works.",
        status: "rejected",
        revises: Some(first),
        created: at(a, 1, "12:00"),
        decided: Some(at(a, 1, "15:00")),
        ..Draft::default()
    })
    .await;
    // Model 2 decided no reply; "Draft anyway" overturned it. The draft that followed
    // (model 1, whose run started the moment the job was queued) is made in week A and
    // approved in week B with 6 characters added, 7 days after its message.
    let t = anna.thread("t4").await;
    let m = anna.message(t, &at(a, 0, "08:30")).await;
    anna.run(t, M2, "no_reply", &at(a, 0, "08:35")).await;
    let job = anna
        .job(t, r#"{"reply_requested":true}"#, &at(a, 0, "09:00"))
        .await;
    let r = anna
        .job_run(t, job, M1, "drafted", &at(a, 0, "09:00"))
        .await;
    // A later job's run in that minute is not the decision overturned either.
    let later = anna
        .job(t, r#"{"reply_requested":false}"#, &at(a, 0, "09:00"))
        .await;
    anna.job_run(t, later, M1, "drafted", &at(a, 0, "09:00"))
        .await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        answers: Some(m),
        content: "Thanks, Anna",
        final_content: Some("Thanks a lot, Anna"),
        status: "approved",
        created: at(a, 0, "09:05"),
        decided: Some(at(b, 0, "08:30")),
        ..Draft::default()
    })
    .await;

    // Week B. Approved with 4 characters added (", A."), 30 minutes from the message.
    let t = anna.thread("t5").await;
    let m = anna.message(t, &at(b, 0, "09:00")).await;
    let r = anna.run(t, M1, "drafted", &at(b, 0, "09:05")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        answers: Some(m),
        content: "See you then",
        final_content: Some("See you then, A."),
        status: "approved",
        created: at(b, 0, "09:10"),
        decided: Some(at(b, 0, "09:30")),
        ..Draft::default()
    })
    .await;
    // Rejected (model 2).
    let t = anna.thread("t6").await;
    let r = anna.run(t, M2, "drafted", &at(b, 0, "09:55")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        content: "No.",
        status: "rejected",
        created: at(b, 0, "10:00"),
        decided: Some(at(b, 0, "11:00")),
        ..Draft::default()
    })
    .await;
    // Made only: one replaced by newer messages, one still waiting.
    let t = anna.thread("t7").await;
    let r = anna.run(t, M1, "drafted", &at(b, 1, "12:55")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        content: "Old answer",
        status: "superseded",
        created: at(b, 1, "13:00"),
        decided: Some(at(b, 1, "14:00")),
        ..Draft::default()
    })
    .await;
    let r = anna.run(t, M1, "drafted", &at(b, 1, "14:00")).await;
    anna.draft(Draft {
        thread: t,
        run: Some(r),
        content: "New answer",
        status: "pending",
        created: at(b, 1, "14:01"),
        ..Draft::default()
    })
    .await;
    // Not overturned: a reply requested after a run that drafted, and an ordinary draft
    // job after a no-reply decision.
    anna.job(t, r#"{"reply_requested":true}"#, &at(b, 2, "09:00"))
        .await;
    let t = anna.thread("t8").await;
    anna.run(t, M2, "no_reply", &at(b, 2, "08:00")).await;
    anna.job(t, r#"{"reply_requested":false}"#, &at(b, 2, "09:00"))
        .await;

    // Bob's week B: never on Anna's pages.
    app.add_user("bob").await;
    let bob = Script::for_user(app, "bob").await;
    let t = bob.thread("t1").await;
    bob.run(t, "bob/secret-model", "no_reply", &at(b, 0, "08:00"))
        .await;
    bob.job(t, r#"{"reply_requested":true}"#, &at(b, 0, "09:00"))
        .await;
    let r = bob
        .run(t, "bob/secret-model", "drafted", &at(b, 0, "09:01"))
        .await;
    bob.draft(Draft {
        thread: t,
        run: Some(r),
        content: "Bob's draft",
        final_content: Some("Bob's own text"),
        status: "approved",
        created: at(b, 0, "09:05"),
        decided: Some(at(b, 0, "09:10")),
        ..Draft::default()
    })
    .await;
    (a, b)
}

/// The cells of a table's row (the week's, or the total's with `None`), as text; an empty
/// median reads "none".
fn row(html: &str, table: &str, week: Option<NaiveDate>) -> Vec<String> {
    let start = html
        .find(&format!("id=\"{table}\""))
        .unwrap_or_else(|| panic!("no table {table}"));
    let end = start + html[start..].find("</table>").expect("the table's end");
    let body = &html[start..end];
    let marker = match week {
        Some(w) => format!("<time datetime=\"{}\">", w.format("%Y-%m-%d")),
        None => "<tfoot>".to_owned(),
    };
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row {marker} in {table}"));
    let tr = &body[at..at + body[at..].find("</tr>").expect("the row's end")];
    tr.split("<td")
        .skip(1)
        .map(|cell| {
            let cell = &cell[cell.find('>').expect("a cell") + 1..];
            let cell = &cell[..cell.find("</td>").expect("the cell's end")];
            let text = strip_tags(cell);
            if text.contains("none") {
                "none".to_owned()
            } else {
                text
            }
        })
        .collect()
}

fn cells(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The ISO week of a Monday, as the CSV names it.
fn iso(monday: NaiveDate) -> String {
    monday.format("%G-W%V").to_string()
}

#[tokio::test]
async fn the_page_counts_a_scripted_fortnight_by_week_and_model() {
    let app = spawn_app().await;
    let (a, b) = script_a_fortnight(&app).await;
    let browser = signed_in(&app, "anna").await;
    let html = browser.page("/stats").await;
    assert!(
        html.contains("<a href=\"/stats\">How it is going</a>"),
        "in the navigation"
    );
    assert!(html.contains("last 12 weeks"), "{html}");

    // Week by week, all models. Week A: d1 unchanged, d2 edited by 10, the revision and
    // its rejection, the overturned decision; times 2 h and 3 h 30 min.
    assert_eq!(
        row(&html, "all-table", Some(a)),
        cells(&["5", "1", "1", "10", "1", "1", "1", "2 h 45 min"])
    );
    // Week B: edits of 6 and 4 (median 5), one rejection; times 7 d and 30 min.
    assert_eq!(
        row(&html, "all-table", Some(b)),
        cells(&["4", "0", "2", "5", "0", "1", "0", "3 d 12 h"])
    );
    // The current week: nothing.
    assert_eq!(
        row(&html, "all-table", Some(this_monday())),
        cells(&["0", "0", "0", "none", "0", "0", "0", "none"])
    );
    // The total takes its medians over every value: edits 4, 6, 10; times 30 min, 2 h,
    // 3 h 30 min, 7 d.
    assert_eq!(
        row(&html, "all-table", None),
        cells(&["9", "1", "3", "6", "1", "2", "1", "2 h 45 min"])
    );

    // By model, by name: M2 ("acme …") is model-1.
    assert!(
        html.contains("acme &#34;fast&#34;, v2"),
        "the model's name, escaped"
    );
    assert_eq!(
        row(&html, "model-1-table", Some(a)),
        cells(&["2", "0", "0", "none", "1", "1", "1", "none"])
    );
    assert_eq!(
        row(&html, "model-1-table", Some(b)),
        cells(&["1", "0", "0", "none", "0", "1", "0", "none"])
    );
    assert_eq!(
        row(&html, "model-2-table", Some(a)),
        cells(&["3", "1", "1", "10", "0", "0", "0", "2 h 45 min"])
    );
    assert_eq!(
        row(&html, "model-2-table", Some(b)),
        cells(&["3", "0", "2", "5", "0", "0", "0", "3 d 12 h"])
    );
    assert_eq!(
        row(&html, "model-2-table", None),
        cells(&["6", "1", "3", "6", "0", "0", "0", "2 h 45 min"])
    );
    assert!(!html.contains("model-3-table"), "two models");
    // A model's table lists only the weeks with something for it.
    let datetime = |w: NaiveDate| format!("<time datetime=\"{}\">", w.format("%Y-%m-%d"));
    assert_eq!(
        html.matches(&datetime(this_monday())).count(),
        1,
        "only in the overall table"
    );
    assert_eq!(
        html.matches(&datetime(a)).count(),
        3,
        "overall and both models"
    );

    // The chart: described for screen readers, one bar segment per non-zero count.
    assert!(html.contains("role=\"img\" aria-labelledby=\"chart-title chart-desc\""));
    assert!(
        html.contains("1 approved unchanged, 3 approved with edits, 1 revised, 2 rejected"),
        "{html}"
    );
    assert_eq!(
        html.matches("<rect ").count(),
        6,
        "4 in week A, 2 in week B"
    );
    assert!(html.contains(&format!(
        "<title>Week of {}: 1 revised after feedback</title>",
        a.format("%-d %b %Y")
    )));
    assert!(html.contains("the fewest that turn the draft into the text you approved"));

    assert!(!html.contains("bob/secret-model"), "Bob's data never shows");
}

#[tokio::test]
async fn the_csv_has_the_same_figures_one_row_per_week_and_model() {
    let app = spawn_app().await;
    let (a, b) = script_a_fortnight(&app).await;
    let browser = signed_in(&app, "anna").await;
    let response = browser.get("/stats.csv").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    let monday = this_monday();
    let first = monday.checked_sub_days(Days::new(7 * 11)).expect("a date");
    let last = monday.checked_add_days(Days::new(6)).expect("a date");
    assert_eq!(
        header("content-disposition"),
        format!(
            "attachment; filename=\"draftdesk-stats-{}-to-{}.csv\"",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        )
    );
    let csv = response.text().await.expect("a body");
    assert!(csv.ends_with("\r\n"), "CRLF line ends");
    let lines: Vec<&str> = csv.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines[0], HEADER);
    let (a_day, b_day) = (a.format("%Y-%m-%d"), b.format("%Y-%m-%d"));
    let (ia, ib) = (iso(a), iso(b));
    let expected_a = [
        format!("{a_day},{ia},all,,5,1,1,10,1,1,1,9900"),
        format!("{a_day},{ia},model,\"acme \"\"fast\"\", v2\",2,0,0,,1,1,1,"),
        format!("{a_day},{ia},model,test/model,3,1,1,10,0,0,0,9900"),
    ];
    let expected_b = [
        format!("{b_day},{ib},all,,4,0,2,5,0,1,0,303300"),
        format!("{b_day},{ib},model,\"acme \"\"fast\"\", v2\",1,0,0,,0,1,0,"),
        format!("{b_day},{ib},model,test/model,3,0,2,5,0,0,0,303300"),
    ];
    let of_week = |day: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with(day))
            .map(|l| (*l).to_owned())
            .collect()
    };
    assert_eq!(of_week(&a_day.to_string()), expected_a);
    assert_eq!(of_week(&b_day.to_string()), expected_b);
    // Twelve weeks, oldest first, each with its all-models row; the others are empty.
    let weeks: Vec<&str> = lines[1..]
        .iter()
        .filter(|l| l.split(',').nth(2) == Some("all"))
        .map(|l| &l[..10])
        .collect();
    assert_eq!(weeks.len(), 12);
    assert!(weeks.windows(2).all(|w| w[0] < w[1]), "{weeks:?}");
    for line in &lines[1..] {
        if !line.starts_with(&a_day.to_string()) && !line.starts_with(&b_day.to_string()) {
            assert!(line.ends_with(",all,,0,0,0,,0,0,0,"), "{line}");
        }
    }
    assert_eq!(lines.len(), 1 + 12 + 4);
    assert!(!csv.contains("bob"), "Bob's data never shows");

    // A shorter range leaves week A out.
    let csv = browser
        .get("/stats.csv?weeks=2")
        .await
        .text()
        .await
        .expect("a body");
    assert_eq!(csv.lines().count(), 1 + 2 + 2, "{csv}");
    assert!(!csv.contains(&a_day.to_string()));
}

#[tokio::test]
async fn the_real_flows_are_counted_as_they_are_recorded() {
    // The offline drafter decides "no reply" for a thread ending in "Thanks!"; "Draft
    // anyway" overturns it; its draft is approved from the page unchanged (the browser
    // sends the text box with CRLF). Another draft gets feedback, and its revision is
    // approved with 9 characters added.
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    paste_thread(
        &app,
        &browser,
        "Eva",
        "Eva Stone: Here is the deck.\nEva Stone: Thanks!\n",
    )
    .await;
    let eva: i64 = sqlx::query_scalar("SELECT id FROM threads WHERE name = 'Eva'")
        .fetch_one(&app.sql)
        .await
        .expect("the thread");
    let response = browser
        .submit(
            "/",
            &format!("/threads/{eva}/draft-anyway"),
            &[("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
    let id = pending_draft_id(&app).await;
    let content: String =
        sqlx::query_scalar("SELECT content FROM drafts WHERE draft_message_id = $1")
            .bind(&id)
            .fetch_one(&app.sql)
            .await
            .expect("the draft");
    let as_sent = content.replace('\n', "\r\n");
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{id}/approve"),
            &[("final_content", &as_sent), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");

    paste_thread(&app, &browser, "Bob", crate::pages::PASTE).await;
    let id = pending_draft_id(&app).await;
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{id}/feedback"),
            &[("feedback", "shorter"), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");
    app.run_jobs().await;
    let revision = pending_draft_id(&app).await;
    assert_ne!(revision, id, "the revision replaced the draft");
    let content: String =
        sqlx::query_scalar("SELECT content FROM drafts WHERE draft_message_id = $1")
            .bind(&revision)
            .fetch_one(&app.sql)
            .await
            .expect("the revision");
    let edited = format!("{} Best, A.", content.trim_end()).replace('\n', "\r\n");
    let response = browser
        .submit(
            "/",
            &format!("/drafts/{revision}/approve"),
            &[("final_content", &edited), ("return_to", "/")],
        )
        .await;
    assert_see_other(&response, "/");

    let html = browser.page("/stats").await;
    let week = row(&html, "all-table", Some(this_monday()));
    assert_eq!(
        week[..7],
        cells(&["3", "1", "1", "9", "1", "0", "1"]),
        "{week:?}"
    );
    assert_ne!(week[7], "none", "the approvals' messages are known");
    assert!(html.contains("offline drafter"), "the model is named");
    let csv = browser
        .get("/stats.csv")
        .await
        .text()
        .await
        .expect("a body");
    let monday = this_monday().format("%Y-%m-%d").to_string();
    let model_row = csv
        .lines()
        .find(|l| l.starts_with(&monday) && l.contains(",model,"))
        .expect("the model's row");
    assert!(
        model_row.starts_with(&format!(
            "{monday},{},model,offline drafter,3,1,1,9,1,0,1,",
            iso(this_monday())
        )),
        "{model_row}"
    );
}

#[tokio::test]
async fn a_new_user_sees_an_empty_state_and_an_empty_csv() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let html = browser.page("/stats").await;
    assert!(html.contains("Nothing to count yet"), "{html}");
    assert!(html.contains("href=\"/threads/new\""));
    assert!(!html.contains("<svg"), "no chart");
    assert!(!html.contains("all-table"), "no table");
    let csv = browser
        .get("/stats.csv?weeks=4")
        .await
        .text()
        .await
        .expect("a body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert_eq!(lines[0], HEADER);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.ends_with(",all,,0,0,0,,0,0,0,")),
        "{csv}"
    );
}

#[tokio::test]
async fn a_bad_number_of_weeks_is_refused_with_a_page_that_says_so() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    for query in [
        "weeks=0",
        "weeks=53",
        "weeks=abc",
        "weeks=",
        "weeks=-1",
        "weeks=4&weeks=5",
    ] {
        for path in ["/stats", "/stats.csv"] {
            let response = browser.get(&format!("{path}?{query}")).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}?{query}");
            let html = response.text().await.expect("html");
            assert!(html.contains("role=\"alert\""), "{path}?{query}: {html}");
            if query != "weeks=4&weeks=5" {
                assert!(
                    html.contains("Choose from 1 to 52 weeks"),
                    "{path}?{query}: {html}"
                );
            }
            assert!(
                html.contains("href=\"/stats?weeks=12\""),
                "the ranges to choose from"
            );
        }
    }
    let html = browser.page("/stats?weeks=4").await;
    assert!(html.contains("last 4 weeks"));
    assert!(html.contains("<a href=\"/stats?weeks=4\" aria-current=\"page\">"));
    assert!(
        browser
            .page("/stats?weeks=52")
            .await
            .contains("last 52 weeks")
    );
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    assert_see_other(&browser.get("/stats").await, "/login?next=%2Fstats");
    assert_see_other(
        &browser.get("/stats.csv?weeks=4").await,
        "/login?next=%2Fstats.csv%3Fweeks%3D4",
    );
}

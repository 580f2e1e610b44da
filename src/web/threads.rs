//! The new-thread page (paste, preview, submit) and the thread page (the conversation,
//! every draft and revision, every agent run's trace).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::based_on::{self, BasedOn, RunFacts};
use super::csrf::{CsrfForm, NoFields};
use super::{Layout, PageError, PageUser};
use crate::db::drafts::{Draft, DraftStatus};
use crate::db::messages::Message;
use crate::db::{self, MessageId, RunId, ThreadId, Timestamp};
use crate::error::AppError;
use crate::inbox;
use crate::paste::{self, Format, Parsed};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "threads/new.html")]
struct NewThreadPage {
    layout: Layout,
    thread_name: String,
    names: String,
    format: String,
    conversation: String,
    preview: Option<Parsed>,
    /// The fingerprint of the reading shown in the preview.
    read_as: String,
    error: Option<(String, String)>,
    formats: Vec<&'static str>,
}

impl NewThreadPage {
    fn has_error(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|(f, _)| f == field)
    }

    /// Whether the preview marks any message as the user's.
    fn any_mine(&self) -> bool {
        self.preview
            .as_ref()
            .is_some_and(|p| p.messages.iter().any(|m| m.is_mine))
    }
}

fn formats() -> Vec<&'static str> {
    std::iter::once("auto")
        .chain(Format::ALL.iter().map(|f| f.as_str()))
        .collect()
}

pub async fn new_form(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    Ok(NewThreadPage {
        layout: user.layout(&state, "New thread").await?,
        thread_name: String::new(),
        names: user.user.my_names.join(", "),
        format: "auto".to_owned(),
        conversation: String::new(),
        preview: None,
        read_as: String::new(),
        error: None,
        formats: formats(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct NewThreadForm {
    #[serde(default)]
    thread_name: String,
    #[serde(default)]
    names: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    conversation: String,
    action: Option<String>,
    /// Which reading the row choices below were made on (see [`reading`]).
    #[serde(default)]
    read_as: String,
    /// The preview's per-row choices, `row-N` = `theirs`, `mine` or `remove`.
    #[serde(flatten)]
    rows: HashMap<String, String>,
}

/// A short fingerprint of what a preview read: the row choices made on it apply only
/// to the same text, format and names.
fn reading(form: &NewThreadForm) -> String {
    let mut hasher = Sha256::new();
    for part in [&form.conversation, &form.format, &form.names] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..8])
}

/// Applies the user's per-row choices to a reading of the paste.
fn apply_choices(parsed: &mut Parsed, rows: &HashMap<String, String>) {
    let mut index = 0;
    parsed.messages.retain_mut(|m| {
        let choice = rows.get(&format!("row-{index}")).map(String::as_str);
        index += 1;
        match choice {
            Some("remove") => false,
            Some("mine") => {
                m.is_mine = true;
                true
            }
            Some("theirs") => {
                m.is_mine = false;
                true
            }
            _ => true,
        }
    });
}

pub async fn create(
    State(state): State<AppState>,
    user: PageUser,
    CsrfForm(mut form): CsrfForm<NewThreadForm>,
) -> Result<Response, PageError> {
    let submitting = form.action.as_deref() == Some("submit");
    let names: Vec<String> = crate::limits::my_names(&form.names);
    let format = match form.format.as_str() {
        "" | "auto" => Ok(None),
        other => other.parse::<Format>().map(Some),
    };
    let mut preview = (!form.conversation.trim().is_empty())
        .then(|| {
            paste::parse(
                &form.conversation,
                &paste::ParseOptions {
                    format: format.as_ref().ok().copied().flatten(),
                    reference_date: chrono::Utc::now().date_naive(),
                    my_names: &names,
                },
            )
            .ok()
        })
        .flatten();
    let read_as = reading(&form);
    if let Some(parsed) = preview.as_mut()
        && form.read_as == read_as
    {
        apply_choices(parsed, &form.rows);
    }
    if form.thread_name.trim().is_empty()
        && !submitting
        && let Some(name) = preview
            .as_ref()
            .and_then(|p| p.suggested_thread_name.as_ref())
    {
        form.thread_name = name.chars().take(200).collect();
    }
    let thread_name = form.thread_name.trim().to_owned();
    let error = if thread_name.is_empty() && submitting {
        Some((
            "thread_name",
            "Give the thread a name, such as the other person's name.",
        ))
    } else if thread_name.chars().count() > 200 {
        Some((
            "thread_name",
            "The thread name must be at most 200 characters.",
        ))
    } else if form.conversation.trim().is_empty() {
        Some((
            "conversation",
            "Paste the conversation to draft a reply to.",
        ))
    } else if names.is_empty() {
        Some((
            "names",
            "Give at least one name you appear under in conversations.",
        ))
    } else if format.is_err() {
        Some(("format", "Choose one of the listed formats."))
    } else if preview.as_ref().is_some_and(|p| p.messages.is_empty()) {
        Some((
            "conversation",
            "Every message was removed; keep at least one, or paste the conversation again.",
        ))
    } else {
        None
    };
    let (true, None, Some(parsed)) = (submitting, error, preview.clone()) else {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let error = error.map(|(f, m)| (f.to_owned(), m.to_owned()));
        return again(&state, &user, form, preview, read_as, error, status).await;
    };
    let mut me = user.user.clone();
    if names != *me.my_names {
        db::users::set_names(state.db.write(), me.id, &names).await?;
        me.my_names = db::users::MyNames(names);
    }
    let pasted = match inbox::accept_parsed(&state.jobs, &me, &thread_name, parsed).await {
        Ok(pasted) => pasted,
        Err(refused) => {
            // The paste is shown again with the reason, so nothing typed is lost.
            let error = AppError::from(refused);
            let status = error.status_code();
            if status.is_server_error() {
                return Err(error.into());
            }
            let message = (String::from("conversation"), error.public_message());
            return again(&state, &user, form, preview, read_as, Some(message), status).await;
        }
    };
    let accepted = pasted.accepted;
    let notice = match accepted.job_id {
        Some(_) => format!(
            "Read {} messages from \u{201c}{thread_name}\u{201d} ({} new). Drafting a reply\u{2026}",
            pasted.parsed.messages.len(),
            accepted.new_messages
        ),
        None => format!(
            "Nothing new in that paste: \u{201c}{thread_name}\u{201d} already has all {} messages.",
            pasted.parsed.messages.len()
        ),
    };
    user.notice(notice).await?;
    Ok(Redirect::to("/").into_response())
}

/// The new-thread page again, with what the user sent.
async fn again(
    state: &AppState,
    user: &PageUser,
    form: NewThreadForm,
    preview: Option<Parsed>,
    read_as: String,
    error: Option<(String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let page = NewThreadPage {
        layout: user.layout(state, "New thread").await?,
        thread_name: form.thread_name,
        names: form.names,
        format: form.format,
        conversation: form.conversation,
        preview,
        read_as,
        error,
        formats: formats(),
    };
    Ok((status, page).into_response())
}

/// A run as the thread page shows it.
struct RunView {
    id: RunId,
    trigger: &'static str,
    outcome: &'static str,
    model: String,
    offline: bool,
    tokens: i64,
    duration: String,
    started_at: Timestamp,
    reason: Option<String>,
    error: Option<String>,
    warning: Option<String>,
    entries: Vec<super::trace::TraceEntry>,
}

#[derive(Template, WebTemplate)]
#[template(path = "threads/show.html")]
struct ThreadPage {
    layout: Layout,
    version: String,
    thread_name: String,
    messages: Vec<Message>,
    drafts: Vec<Draft>,
    runs: Vec<RunView>,
    return_to: String,
    thread_id: ThreadId,
    /// The latest run's "no reply needed" and its reason, while nothing has moved on.
    no_reply: Option<(RunId, String)>,
    /// The "Based on" panels of the thread's runs.
    panels: HashMap<RunId, BasedOn>,
}

impl ThreadPage {
    /// The reviewer's note of the run that wrote `draft`, if it flagged a message.
    fn warning(&self, draft: &Draft) -> Option<&str> {
        let run = draft.agent_run_id?;
        self.runs
            .iter()
            .find(|r| r.id == run)
            .and_then(|r| r.warning.as_deref())
    }

    /// The "Based on" panel of the run that wrote `draft`.
    fn based_on(&self, draft: &Draft) -> Option<&BasedOn> {
        self.panels.get(&draft.agent_run_id?)
    }

    /// The external id of the draft a revision revises.
    fn revises(&self, draft: &Draft) -> Option<String> {
        let parent = draft.revises_draft_id?;
        self.drafts
            .iter()
            .find(|d| d.id == parent)
            .map(|d| short_id(&d.draft_message_id))
    }
}

pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: ThreadId = id.parse().map_err(|_| PageError::not_found())?;
    let db = &state.db;
    // Read before the content, as on the dashboard, so no change is ever missed.
    let version = db::activity::version(db.read(), user.user.id).await?;
    let thread = db::threads::find(db.read(), user.user.id, id)
        .await?
        .ok_or_else(PageError::not_found)?;
    let runs: Vec<RunView> = db::agent_runs::list_thread(db.read(), thread.id)
        .await?
        .into_iter()
        .map(run_view)
        .collect();
    let drafts = db::drafts::list_thread(db.read(), thread.id).await?;
    let no_reply = match runs.last() {
        Some(run)
            if run.outcome == "no_reply"
                && !drafts.iter().any(|d| d.status == DraftStatus::Pending)
                && !db::jobs::has_queued_draft(db.read(), thread.id).await? =>
        {
            Some((
                run.id,
                run.reason
                    .clone()
                    .unwrap_or_else(|| "no reason given".to_owned()),
            ))
        }
        _ => None,
    };
    let facts = runs
        .iter()
        .map(|run| RunFacts {
            run_id: run.id,
            model: run.model.clone(),
            offline: run.offline,
            reason: run.reason.clone(),
        })
        .collect();
    let here = format!("/threads/{}", thread.id);
    let panels = based_on::panels(db, user.user.id, facts, &here).await?;
    Ok(ThreadPage {
        layout: user.layout(&state, &thread.name).await?,
        version,
        messages: db::messages::list_thread(db.read(), thread.id).await?,
        drafts,
        runs,
        return_to: format!("/threads/{}", thread.id),
        thread_id: thread.id,
        no_reply,
        panels,
        thread_name: thread.name,
    }
    .into_response())
}

fn run_view(run: db::agent_runs::AgentRun) -> RunView {
    RunView {
        id: run.id,
        trigger: match run.trigger {
            db::agent_runs::Trigger::NewMessages => "new messages",
            db::agent_runs::Trigger::Feedback => "feedback",
        },
        outcome: run.outcome.map_or("running", |o| o.as_str()),
        model: run.model,
        offline: run.offline,
        tokens: run.prompt_tokens + run.completion_tokens,
        duration: run
            .duration_ms
            .map_or_else(String::new, |ms| format!("{:.1} s", ms as f64 / 1000.0)),
        started_at: run.started_at,
        reason: run.reason,
        error: run.error,
        warning: run.warning,
        entries: super::trace::entries(&run.transcript),
    }
}

/// Removes a stored message from a thread (one the paste parser got wrong, say).
pub async fn remove_message(
    State(state): State<AppState>,
    user: PageUser,
    Path((thread_id, message_id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let (Ok(thread_id), Ok(message_id)) = (
        thread_id.parse::<ThreadId>(),
        message_id.parse::<MessageId>(),
    ) else {
        return Err(PageError::not_found());
    };
    let mut tx = state.db.begin().await?;
    if !db::messages::remove(&mut tx, user.user.id, thread_id, message_id).await? {
        tx.rollback().await?;
        return Err(PageError::not_found());
    }
    tx.commit().await?;
    user.notice("Message removed.").await?;
    Ok(Redirect::to(&format!("/threads/{thread_id}")).into_response())
}

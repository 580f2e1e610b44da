//! Review actions from the pages: approve (with an edit), reject, feedback, retry.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::{Layout, Notice, PageError, PageUser, safe_next, set_notice};
use crate::db::{self, drafts::DraftStatus};
use crate::jobs::EnqueueError;
use crate::notes::Reach;
use crate::review::{self, ReviewError};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ApproveForm {
    final_content: Option<String>,
    return_to: Option<String>,
}

pub async fn approve(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ApproveForm>,
) -> Result<Response, PageError> {
    let edited = form.final_content.as_deref().map(str::trim);
    let outcome = review::approve(&state.db, &user.user, &id, edited).await;
    settle(
        &user,
        outcome.map(|_| "Approved. The final text is kept as an example of your voice."),
        form.return_to,
    )
    .await
}

/// A form that only carries its CSRF token and where to come back to.
#[derive(Deserialize)]
pub struct PlainForm {
    return_to: Option<String>,
}

pub async fn reject(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlainForm>,
) -> Result<Response, PageError> {
    let outcome = review::reject(&state.db, &user.user, &id).await;
    if outcome.is_ok() {
        // Undo takes the place of an "are you sure?" prompt.
        let notice = Notice {
            text: "Rejected.".to_owned(),
            failed: false,
            undo_reject: Some(id),
        };
        set_notice(&user.session, notice).await?;
        let back = safe_next(form.return_to.as_deref()).to_owned();
        return Ok(Redirect::to(&back).into_response());
    }
    settle(&user, outcome.map(|_| "Rejected."), form.return_to).await
}

/// Takes back a rejection from its notice's Undo button.
pub async fn undo_reject(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlainForm>,
) -> Result<Response, PageError> {
    let outcome = review::undo_reject(&state.db, &user.user, &id).await;
    settle(
        &user,
        outcome.map(|()| "Rejection undone: the draft waits for review again."),
        form.return_to,
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "drafts/feedback.html")]
struct FeedbackPage {
    layout: Layout,
    draft_id: String,
    feedback: String,
    /// The reach chosen, as the form sends it.
    reach: String,
    error: String,
    /// The draft that replaced the one the feedback was written for, if any.
    newer_text: Option<String>,
    return_to: String,
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    feedback: String,
    /// Absent in a form from an older page: "let draftdesk decide".
    #[serde(default)]
    reach: String,
    return_to: Option<String>,
}

impl FeedbackPage {
    /// The reach choices, in the order the form offers them: value, label, hint.
    const REACHES: [(&'static str, &'static str, &'static str); 4] = [
        ("draft", "This draft only", "revise it; keep no note"),
        (
            "contact",
            "This contact",
            "also a note for later drafts in this thread only",
        ),
        ("always", "Always", "also a note for every draft"),
        (
            "auto",
            "Let draftdesk decide",
            "a note for every draft if the feedback states a lasting preference",
        ),
    ];

    fn chosen(&self, value: &str) -> bool {
        self.reach == value || (value == "auto" && self.reach.is_empty())
    }
}

pub async fn feedback(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<FeedbackForm>,
) -> Result<Response, PageError> {
    let text = form.feedback.trim();
    let reach = form.reach.parse::<Reach>();
    if text.is_empty() || text.chars().count() > review::MAX_FEEDBACK || reach.is_err() {
        let error = if text.is_empty() {
            "Write what should change, such as \u{201c}shorter, offer Tuesday\u{201d}."
        } else if reach.is_err() {
            "Choose how far the feedback reaches: this draft only, this contact, always, or \
             let draftdesk decide."
        } else {
            "Feedback must be at most 10,000 characters."
        };
        let page = FeedbackPage {
            layout: user.layout(&state, "Give feedback").await?,
            draft_id: id,
            feedback: form.feedback,
            reach: form.reach,
            error: error.to_owned(),
            newer_text: None,
            return_to: safe_next(form.return_to.as_deref()).to_owned(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let reach = reach.unwrap_or_default();
    let outcome = review::give_feedback(&state.jobs, &user.user, &id, text, reach).await;
    if let Err(ReviewError::NotPending {
        status: DraftStatus::Superseded,
        thread_id,
        ..
    }) = &outcome
    {
        // The draft was replaced while the reviewer typed: keep what they typed, show the
        // new draft, and let them send it there.
        let newer = db::drafts::pending_for_thread(state.db.read(), *thread_id).await?;
        let (draft_id, newer_text, error) = match newer {
            Some(newer) => (
                newer.draft_message_id,
                Some(newer.content),
                "While you were writing, a newer draft replaced this one (below). Your \
                 feedback is kept: send it for the newer draft, or change it first.",
            ),
            None => (
                id,
                None,
                "While you were writing, new messages arrived and a new draft is being written. \
                 Your feedback is kept here: copy it, and give it on the new draft when it appears.",
            ),
        };
        let page = FeedbackPage {
            layout: user.layout(&state, "Give feedback").await?,
            draft_id,
            feedback: form.feedback,
            reach: form.reach,
            error: error.to_owned(),
            newer_text,
            return_to: safe_next(form.return_to.as_deref()).to_owned(),
        };
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let sent = match reach {
        Reach::Draft => "Feedback sent, for this draft only. Revising the draft\u{2026}",
        Reach::Contact => {
            "Feedback sent. Revising the draft\u{2026} It becomes a style note for this \
             contact's drafts."
        }
        Reach::Always => {
            "Feedback sent. Revising the draft\u{2026} It becomes a style note for every draft."
        }
        Reach::Auto => "Feedback sent. Revising the draft\u{2026}",
    };
    settle(&user, outcome.map(|_| sent), form.return_to).await
}

pub async fn retry(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlainForm>,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let outcome = state
        .jobs
        .retry_failed(&user.user, id)
        .await
        .map_err(ReviewError::from);
    settle(
        &user,
        outcome.map(|_| "Trying again\u{2026}"),
        form.return_to,
    )
    .await
}

/// A row id from the path (a 404 otherwise).
fn path_id<Id: std::str::FromStr>(id: &str) -> Result<Id, PageError> {
    id.parse().map_err(|_| PageError::not_found())
}

/// Redirects back with a notice; a missing draft is a 404 page, any other refusal (a
/// draft no longer pending) a notice saying why.
async fn settle<T: Into<String>>(
    user: &PageUser,
    outcome: Result<T, ReviewError>,
    return_to: Option<String>,
) -> Result<Response, PageError> {
    let back = safe_next(return_to.as_deref()).to_owned();
    match outcome {
        Ok(notice) => user.notice(notice).await?,
        Err(ReviewError::NoDraft(_) | ReviewError::NotFound(_)) => {
            return Err(PageError::not_found());
        }
        Err(ReviewError::NotPending { status, .. }) => {
            let what = match status {
                DraftStatus::Approved => "it was already approved",
                DraftStatus::Rejected => "it was already rejected",
                DraftStatus::Superseded => "a newer draft replaced it",
                DraftStatus::Pending => "it changed meanwhile",
            };
            user.alert(format!("Not done: {what}.")).await?;
        }
        Err(
            error @ (ReviewError::EmptyFinalText
            | ReviewError::FinalTextTooLong
            | ReviewError::Conflict(_)),
        ) => {
            user.alert(format!("Not done: {error}.")).await?;
        }
        Err(ReviewError::Enqueue(EnqueueError::Database(error))) => return Err(error.into()),
        Err(ReviewError::Enqueue(error)) => user.alert(format!("Not done: {error}.")).await?,
    }
    Ok(Redirect::to(&back).into_response())
}

/// "Draft anyway": a thread whose run decided no reply was needed gets a draft.
pub async fn draft_anyway(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlainForm>,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let outcome = review::draft_anyway(&state.jobs, &user.user, id).await;
    settle(
        &user,
        outcome.map(|_| "Writing a draft\u{2026}"),
        form.return_to,
    )
    .await
}

/// Takes a "no reply needed" decision off the dashboard.
pub async fn dismiss_no_reply(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlainForm>,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let outcome = review::dismiss_no_reply(&state.db, &user.user, id).await;
    settle(&user, outcome.map(|()| "Dismissed."), form.return_to).await
}

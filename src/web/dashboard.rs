//! The dashboard: drafts waiting for review, work in progress and failures, kept up to
//! date by `static/live.js` polling `/live/version`.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::based_on::{self, BasedOn, RunFacts};
use super::{Layout, PageError, PageUser};
use crate::db::activity::{NoReplyItem, ReviewItem, WorkItem};
use crate::db::{self, RunId};
use crate::notes::{self, ProposalView};
use crate::state::AppState;

/// Drafts per dashboard page.
const PAGE_SIZE: i64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    version: String,
    drafts: Vec<ReviewItem>,
    working: Vec<WorkItem>,
    failures: Vec<WorkItem>,
    no_replies: Vec<NoReplyItem>,
    /// Notes proposed from repeated edits, waiting for the user's answer.
    proposals: Vec<ProposalView>,
    /// Where answering a proposal comes back to.
    proposals_return_to: String,
    page: i64,
    pages: i64,
    /// How many drafts wait for review in all.
    total: i64,
    /// The "Based on" panels of the cards' runs.
    panels: HashMap<RunId, BasedOn>,
}

impl DashboardPage {
    /// The work list folds into one line past this many jobs.
    const WORK_SHOWN: usize = 3;

    /// Where an action on the card at `index` comes back to: this page, at the card that
    /// takes its place (the next one, or the one before the last).
    fn return_to(&self, index: &usize) -> String {
        let page = if self.page > 1 {
            format!("/?page={}", self.page)
        } else {
            "/".to_owned()
        };
        let neighbour = self
            .drafts
            .get(index + 1)
            .or_else(|| index.checked_sub(1).and_then(|i| self.drafts.get(i)));
        match neighbour {
            Some(draft) => format!("{page}#card-{}", draft.draft_message_id),
            None => page,
        }
    }

    /// The "Based on" panel of the run that wrote a card, if it ran.
    fn based_on(&self, run: &Option<RunId>) -> Option<&BasedOn> {
        run.as_ref().and_then(|run| self.panels.get(run))
    }

    fn work_summary(&self) -> String {
        let running = self.working.iter().filter(|w| w.is_running()).count();
        let queued = self.working.len() - running;
        format!("Working on {running}, {queued} waiting")
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let db = &state.db;
    // The version is read before the content: if a job finishes in between, the page
    // shows more than its version says, and the next poll refreshes it. The other way
    // round, the page could miss a draft that its version already counts, for good.
    let version = db::activity::version(db.read(), user.user.id).await?;
    let page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let (drafts, total) =
        db::activity::review_queue(db, user.user.id, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page > pages {
        return Ok(Redirect::to(&format!("/?page={pages}")).into_response());
    }
    let no_replies = db::activity::no_replies(db.read(), user.user.id).await?;
    let runs = drafts
        .iter()
        .filter_map(|d| {
            Some(RunFacts {
                run_id: d.run_id?,
                model: d.model.clone().unwrap_or_default(),
                offline: d.offline == Some(true),
                reason: d.reason.clone(),
            })
        })
        .chain(no_replies.iter().map(|n| RunFacts {
            run_id: n.run_id,
            model: n.model.clone(),
            offline: n.offline,
            reason: n.reason.clone(),
        }))
        .collect();
    let here = if page > 1 {
        format!("/?page={page}")
    } else {
        "/".to_owned()
    };
    let panels = based_on::panels(db, user.user.id, runs, &here).await?;
    let proposals = notes::proposals(db, user.user.id).await?;
    Ok(DashboardPage {
        layout: user
            .layout(
                &state,
                &if total > 0 {
                    format!("({total}) Drafts")
                } else {
                    "Drafts".to_owned()
                },
            )
            .await?,
        version,
        drafts,
        working: db::activity::in_progress(db.read(), user.user.id).await?,
        failures: db::activity::failures(db.read(), user.user.id).await?,
        no_replies,
        proposals,
        proposals_return_to: here,
        page,
        pages,
        total,
        panels,
    }
    .into_response())
}

/// `GET /live/version`: a string that changes when anything on the user's pages does.
pub async fn version(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Json<Value>, PageError> {
    let version = db::activity::version(state.db.read(), user.user.id).await?;
    Ok(Json(json!({ "version": version })))
}

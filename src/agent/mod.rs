//! The agent: decides whether a thread needs a reply and drafts it in the user's voice.
//!
//! With a model configured it runs a tool-calling loop (see `prompts/`); without one it
//! uses the offline drafter's simple rules. Both give a [`RunReport`] with a transcript,
//! so jobs store every run the same way.

mod context;
mod error;
mod model;
pub mod offline;
pub mod tools;
pub mod transcript;

pub use error::AgentError;
pub use transcript::TranscriptEntry;

use std::time::Duration;

use std::sync::Arc;

use crate::db::Db;
use crate::db::messages::Message;
pub use crate::db::search::AsOf;
use crate::db::style_notes::StyleNote;
use crate::db::threads::Thread;
use crate::db::users::User;
use crate::llm::LlmClient;

/// The model name recorded for runs of the offline drafter.
pub const OFFLINE_MODEL: &str = "offline drafter";

/// What the agent works on.
#[derive(Debug)]
pub struct Task<'a> {
    pub user: &'a User,
    pub thread: &'a Thread,
    /// The thread in conversation order.
    pub messages: &'a [Message],
    /// The style notes in force for this thread ("always" ones first), as recorded on
    /// the run.
    pub notes: &'a [StyleNote],
    /// Set when revising a draft from feedback.
    pub revision: Option<Revision<'a>>,
    /// The reviewer asked for a reply after a run decided none was needed ("Draft
    /// anyway"): the run must end with a draft.
    pub reply_requested: bool,
    /// Set when re-drafting an old thread (`draftdesk replay`): the look-ups see the
    /// user's other conversations and approved replies as they were then. `None` for a
    /// live run, which sees everything.
    pub as_of: Option<AsOf>,
}

/// A draft to revise and the reviewer's feedback.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    pub draft: &'a str,
    pub feedback: &'a str,
}

/// What asking the model about feedback is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distill {
    /// Decide whether the feedback states a lasting preference ("let draftdesk decide"),
    /// and phrase it if so.
    Judge,
    /// The reviewer chose to keep it, for every reply or for this contact's: phrase it as
    /// one short instruction.
    Phrase { this_contact: bool },
}

/// How a run ended when it ended well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Draft(String),
    NoReply(String),
}

/// Everything a run produced, for the job to store.
#[derive(Debug)]
pub struct RunReport {
    pub result: Result<Decision, AgentError>,
    pub transcript: Vec<TranscriptEntry>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// For the reviewer: a message in the thread reads like instructions to the assistant.
    pub warning: Option<String>,
    /// What the run looked up and was shown from the user's other conversations, in
    /// order, for its "Based on" panel.
    pub precedents: Vec<crate::db::precedents::NewPrecedent>,
}

impl RunReport {
    /// The transcript as `agent_runs.transcript` stores it.
    pub fn transcript_json(&self) -> String {
        transcript::write(&self.transcript)
    }
}

/// Who does the thinking.
#[derive(Debug, Clone)]
enum Brain {
    Model(Box<LlmClient>),
    Offline,
}

/// The agent, shared by all workers.
#[derive(Debug, Clone)]
pub struct Agent {
    brain: Brain,
    db: Db,
    max_iterations: u32,
    /// How long one run may take in all (`AGENT_RUN_TIMEOUT_SECS`).
    run_timeout: Duration,
    /// Instructions that replace `prompts/draft.md` (`draftdesk replay --prompt-file`).
    draft_prompt: Option<Arc<str>>,
}

impl Agent {
    /// An agent on the given model, or the offline drafter when `llm` is `None`; a run
    /// stops after `max_iterations` model turns or `run_timeout`, whichever comes first.
    pub fn new(llm: Option<LlmClient>, db: Db, max_iterations: u32, run_timeout: Duration) -> Self {
        Self {
            brain: llm.map_or(Brain::Offline, |llm| Brain::Model(Box::new(llm))),
            db,
            max_iterations,
            run_timeout,
            draft_prompt: None,
        }
    }

    /// This agent with `prompt` in place of the drafting instructions of
    /// `prompts/draft.md` (the user's name and style notes are still added after them).
    /// Revisions keep `prompts/revise.md`.
    pub fn with_draft_prompt(mut self, prompt: impl Into<Arc<str>>) -> Self {
        self.draft_prompt = Some(prompt.into());
        self
    }

    /// When a run that starts now must be over: pass it to [`Agent::run`] and, for the
    /// same job, [`Agent::distill`].
    pub fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.run_timeout
    }

    pub fn is_offline(&self) -> bool {
        matches!(self.brain, Brain::Offline)
    }

    /// The model name runs record.
    pub fn model_name(&self) -> &str {
        match &self.brain {
            Brain::Model(llm) => llm.model(),
            Brain::Offline => OFFLINE_MODEL,
        }
    }

    /// Runs the agent on a task, stopping it at `deadline`.
    pub async fn run(&self, task: &Task<'_>, deadline: tokio::time::Instant) -> RunReport {
        let mut report = match &self.brain {
            Brain::Offline => offline::run(task),
            Brain::Model(llm) => self.run_model(llm, task, deadline).await,
        };
        report.warning = context::instruction_warning(task.messages);
        report
    }
}

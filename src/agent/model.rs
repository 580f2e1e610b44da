//! The agent on a model: the tool-calling loop that drafts, and the short exchange that
//! distills feedback into a style note. Every step goes into the run's transcript.

use std::time::Instant;

use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestAssistantMessage,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage,
    ChatCompletionResponseMessage, CompletionUsage, CreateChatCompletionResponse,
};
use serde::Deserialize;
use tokio::time::timeout_at;

use super::tools::{self, DistillTool, Tool};
use super::transcript::{Purpose, TranscriptEntry};
use super::{Agent, AgentError, Brain, Decision, Distill, RunReport, Task, context, offline};
use crate::db;
use crate::db::precedents::{self, NewPrecedent};
use crate::llm::{LlmClient, LlmError};

/// A tool call read out of a model answer.
struct ToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// What a run has written so far, whatever its result.
#[derive(Default)]
struct Record {
    transcript: Vec<TranscriptEntry>,
    prompt_tokens: i64,
    completion_tokens: i64,
    /// What the run was shown from other conversations ("Based on").
    precedents: Vec<NewPrecedent>,
}

impl Agent {
    pub(super) async fn run_model(
        &self,
        llm: &LlmClient,
        task: &Task<'_>,
        deadline: tokio::time::Instant,
    ) -> RunReport {
        let mut record = Record::default();
        let result = self.draft(llm, task, deadline, &mut record).await;
        RunReport {
            result,
            transcript: record.transcript,
            prompt_tokens: record.prompt_tokens,
            completion_tokens: record.completion_tokens,
            warning: None,
            precedents: record.precedents,
        }
    }

    async fn draft(
        &self,
        llm: &LlmClient,
        task: &Task<'_>,
        deadline: tokio::time::Instant,
        record: &mut Record,
    ) -> Result<Decision, AgentError> {
        let examples = db::search::recent_approved(
            self.db.read(),
            task.user.id,
            task.thread.id,
            3,
            task.as_of,
        )
        .await?;
        // The thread's own approved replies are examples too, but not precedents from
        // the user's other conversations.
        for example in examples.iter().filter(|e| e.thread_id != task.thread.id) {
            precedents::note(&mut record.precedents, NewPrecedent::example(example));
        }
        let mut messages = context::opening_messages(task, &examples, self.draft_prompt.as_deref());
        let tools = tools::definitions(!task.reply_requested);
        let mut sent = 0;
        for turn in 0..self.max_iterations {
            record.transcript.push(TranscriptEntry::Request {
                turn: Some(turn),
                purpose: None,
                model: Some(llm.model().to_owned()),
                messages: messages[sent..].to_vec(),
                tools: (turn == 0).then(|| tools.clone()),
            });
            sent = messages.len();
            let started = Instant::now();
            let response = match timeout_at(deadline, llm.complete(&messages, &tools)).await {
                Ok(Ok(response)) => response,
                Ok(Err(error)) => {
                    record.transcript.push(TranscriptEntry::Error {
                        turn: Some(turn),
                        purpose: None,
                        error: error.to_string(),
                        elapsed_ms: Some(elapsed_ms(started)),
                    });
                    return Err(error.into());
                }
                Err(_) => return Err(self.out_of_time(&mut record.transcript, None)),
            };
            record.count(response.usage.as_ref());
            let (message, finish_reason, usage) = first_choice(response);
            record.transcript.push(TranscriptEntry::Response {
                turn: Some(turn),
                purpose: None,
                message: message.clone().map(Box::new),
                finish_reason,
                usage,
                elapsed_ms: Some(elapsed_ms(started)),
            });
            let Some(message) = message else {
                return Err(AgentError::Model(LlmError::Transient {
                    message: "the model's answer had no message".to_owned(),
                    retry_after: None,
                }));
            };
            let calls = tool_calls(&message);
            if calls.is_empty() {
                // A model that answers in prose is reminded how to finish.
                messages.push(assistant(&message));
                messages.push(
                    ChatCompletionRequestUserMessage::from(
                        "Finish by calling suggest_draft(draft_content) with the reply, \
                         or end_work(reason) if no reply is needed.",
                    )
                    .into(),
                );
                continue;
            }
            messages.push(assistant(&message));
            let seen = &mut record.precedents;
            for call in calls {
                let (result, decision) =
                    match timeout_at(deadline, self.call_tool(task, &call, seen)).await {
                        Ok(outcome) => outcome?,
                        Err(_) => return Err(self.out_of_time(&mut record.transcript, None)),
                    };
                record.transcript.push(TranscriptEntry::Tool {
                    turn,
                    name: call.name,
                    arguments: call.arguments,
                    result: result.clone(),
                });
                if let Some(decision) = decision {
                    return Ok(decision);
                }
                messages.push(
                    ChatCompletionRequestToolMessage {
                        content: result.into(),
                        tool_call_id: call.id,
                    }
                    .into(),
                );
            }
        }
        let error = AgentError::TurnLimit(self.max_iterations);
        record.transcript.push(TranscriptEntry::Error {
            turn: None,
            purpose: None,
            error: error.to_string(),
            elapsed_ms: None,
        });
        Err(error)
    }

    /// Runs one tool call: its result for the model, and the decision if it ends the run;
    /// what a look-up returns is added to `found`.
    async fn call_tool(
        &self,
        task: &Task<'_>,
        call: &ToolCall,
        found: &mut Vec<NewPrecedent>,
    ) -> Result<(String, Option<Decision>), sqlx::Error> {
        #[derive(Deserialize)]
        struct DraftArgs {
            draft_content: String,
        }
        #[derive(Deserialize)]
        struct EndArgs {
            reason: String,
        }
        let tool = match call.name.parse::<Tool>() {
            Ok(tool) => tool,
            Err(unknown) => return Ok((unknown.to_string(), None)),
        };
        Ok(match tool {
            Tool::SuggestDraft => {
                match tools::arguments::<DraftArgs>(&call.name, &call.arguments) {
                    Ok(args) if !args.draft_content.trim().is_empty() => {
                        let draft = args.draft_content.trim().to_owned();
                        ("draft stored".to_owned(), Some(Decision::Draft(draft)))
                    }
                    Ok(_) => ("error: draft_content must not be empty".to_owned(), None),
                    Err(message) => (message, None),
                }
            }
            Tool::EndWork if task.reply_requested => (
                "error: the reviewer asked for a reply to this conversation; propose one with \
                 suggest_draft"
                    .to_owned(),
                None,
            ),
            Tool::EndWork => match tools::arguments::<EndArgs>(&call.name, &call.arguments) {
                Ok(args) => {
                    let reason = args.reason.trim();
                    let reason = if reason.is_empty() {
                        "no reason given"
                    } else {
                        reason
                    };
                    (
                        "done".to_owned(),
                        Some(Decision::NoReply(reason.to_owned())),
                    )
                }
                Err(message) => (message, None),
            },
            Tool::SearchPastMessages => (
                tools::search_past_messages(&self.db, task, &call.arguments, found).await?,
                None,
            ),
            Tool::GetThread => (
                tools::get_thread(&self.db, task, &call.arguments, found).await?,
                None,
            ),
        })
    }

    /// Asks the model what feedback teaches: whether it states a lasting preference
    /// ([`Distill::Judge`]), or how to phrase it as a note the reviewer chose to keep
    /// ([`Distill::Phrase`]); the note to keep, if any. The exchange is added to
    /// `report`'s transcript. It stops at `deadline`, the same as the revision's run.
    pub async fn distill(
        &self,
        feedback: &str,
        mode: Distill,
        report: &mut RunReport,
        deadline: tokio::time::Instant,
    ) -> Result<Option<String>, AgentError> {
        let llm = match &self.brain {
            Brain::Offline => {
                let note = match mode {
                    Distill::Judge => offline::distill(feedback),
                    Distill::Phrase { .. } => offline::phrase(feedback),
                };
                report.transcript.push(TranscriptEntry::Distill {
                    offline: true,
                    feedback: feedback.to_owned(),
                    note: note.clone(),
                });
                return Ok(note);
            }
            Brain::Model(llm) => llm,
        };
        let (prompt, ask) = match mode {
            Distill::Judge => (context::DISTILL_PROMPT, ""),
            Distill::Phrase {
                this_contact: false,
            } => (
                context::PHRASE_PROMPT,
                "\nThe reviewer keeps this for every reply the user sends.",
            ),
            Distill::Phrase { this_contact: true } => (
                context::PHRASE_PROMPT,
                "\nThe reviewer keeps this for the replies in this conversation only.",
            ),
        };
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(prompt).into(),
            ChatCompletionRequestUserMessage::from(format!(
                "<feedback>\n{}\n</feedback>{ask}",
                context::data(feedback)
            ))
            .into(),
        ];
        report.transcript.push(TranscriptEntry::Request {
            turn: None,
            purpose: Some(Purpose::Distill),
            model: None,
            messages: messages.clone(),
            tools: None,
        });
        let tools = tools::distill_definitions();
        let response = match timeout_at(deadline, llm.complete(&messages, &tools)).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                report.transcript.push(TranscriptEntry::Error {
                    turn: None,
                    purpose: Some(Purpose::Distill),
                    error: error.to_string(),
                    elapsed_ms: None,
                });
                return Err(error.into());
            }
            Err(_) => {
                let error = self.out_of_time(&mut report.transcript, Some(Purpose::Distill));
                return Err(error);
            }
        };
        let (prompt, completion) = tokens(response.usage.as_ref());
        report.prompt_tokens += prompt;
        report.completion_tokens += completion;
        let (message, _, usage) = first_choice(response);
        report.transcript.push(TranscriptEntry::Response {
            turn: None,
            purpose: Some(Purpose::Distill),
            message: message.clone().map(Box::new),
            finish_reason: None,
            usage,
            elapsed_ms: None,
        });
        #[derive(Deserialize)]
        struct NoteArgs {
            note: String,
        }
        let note = message
            .as_ref()
            .map(tool_calls)
            .unwrap_or_default()
            .into_iter()
            .find(|call| DistillTool::parse(&call.name) == Some(DistillTool::RememberStyle))
            .and_then(|call| tools::arguments::<NoteArgs>(&call.name, &call.arguments).ok())
            .map(|args| args.note.trim().to_owned())
            .filter(|note| !note.is_empty());
        Ok(note)
    }

    /// The error of a run (or its distilling) stopped at its deadline, recorded in the
    /// transcript.
    fn out_of_time(
        &self,
        transcript: &mut Vec<TranscriptEntry>,
        purpose: Option<Purpose>,
    ) -> AgentError {
        let error = AgentError::Timeout(self.run_timeout);
        transcript.push(TranscriptEntry::Error {
            turn: None,
            purpose,
            error: error.to_string(),
            elapsed_ms: None,
        });
        error
    }
}

impl Record {
    fn count(&mut self, usage: Option<&CompletionUsage>) {
        let (prompt, completion) = tokens(usage);
        self.prompt_tokens += prompt;
        self.completion_tokens += completion;
    }
}

fn tokens(usage: Option<&CompletionUsage>) -> (i64, i64) {
    usage.map_or((0, 0), |u| {
        (i64::from(u.prompt_tokens), i64::from(u.completion_tokens))
    })
}

/// The answer's first (and, as draftdesk asks, only) choice, with the usage.
fn first_choice(
    response: CreateChatCompletionResponse,
) -> (
    Option<ChatCompletionResponseMessage>,
    Option<async_openai::types::chat::FinishReason>,
    Option<CompletionUsage>,
) {
    let choice = response.choices.into_iter().next();
    let finish_reason = choice.as_ref().and_then(|c| c.finish_reason);
    (choice.map(|c| c.message), finish_reason, response.usage)
}

/// The model's answer as the next request repeats it to the model.
fn assistant(message: &ChatCompletionResponseMessage) -> ChatCompletionRequestMessage {
    ChatCompletionRequestAssistantMessage {
        content: message.content.clone().map(Into::into),
        // A prose answer repeats without its (empty) list of calls.
        tool_calls: message.tool_calls.clone().filter(|calls| !calls.is_empty()),
        ..Default::default()
    }
    .into()
}

/// The tool calls in a model message. A custom tool (not a function) is read by its name,
/// so that the model hears that no such tool exists.
fn tool_calls(message: &ChatCompletionResponseMessage) -> Vec<ToolCall> {
    let calls = message.tool_calls.as_deref().unwrap_or_default();
    calls
        .iter()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(call) => ToolCall {
                id: call.id.clone(),
                name: call.function.name.clone(),
                arguments: call.function.arguments.clone(),
            },
            ChatCompletionMessageToolCalls::Custom(call) => ToolCall {
                id: call.id.clone(),
                name: call.custom_tool.name.clone(),
                arguments: call.custom_tool.input.clone(),
            },
        })
        .collect()
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

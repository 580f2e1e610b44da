//! `POST /send-messages/`: a thread's messages in, a draft job queued when any are new.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::input::{self, JsonOrForm};
use crate::db::{JobId, ThreadId};
use crate::error::{AppError, ErrorBody};
use crate::inbox::{self, IncomingMessage, MAX_MESSAGES};
use crate::jobs::JobQueue;
use crate::limits::{MAX_CONTENT, MAX_LABEL, MAX_NAME};
use crate::paste;

/// A thread's messages, oldest first. Fields not listed here are refused (422).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessagesJson {
    /// The account's name, or an id of the client's own (it becomes an alias of the
    /// token's account).
    #[serde(deserialize_with = "input::string_or_number")]
    #[schema(schema_with = input::id_schema, example = "anna")]
    user_id: String,
    /// The thread, usually the other person's name; messages join the user's thread of
    /// this name.
    #[schema(example = "Daniel Weber", max_length = 200)]
    thread_name: String,
    /// 1 to 5,000 messages.
    messages: Vec<MessageJson>,
}

/// One message.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = Message)]
struct MessageJson {
    /// The client's id for the message, unique within the thread; a message sent again
    /// with the same id is stored once. When absent, the SHA-256 of sender, date, time and
    /// content stands in.
    #[serde(default, deserialize_with = "input::optional_string_or_number")]
    #[schema(schema_with = input::optional_id_schema, required = false)]
    message_id: Option<String>,
    /// Who wrote it; messages from one of the user's names are the user's own.
    #[schema(example = "Daniel Weber", max_length = 200)]
    sender_name: String,
    /// As the client shows it: `2026-11-25`, `25.11.2026`, `Today`, `Monday`…
    #[serde(default)]
    #[schema(example = "2026-11-25", max_length = 100)]
    date: Option<String>,
    /// As the client shows it: `20:48`, `8:48 PM`…
    #[serde(default)]
    #[schema(example = "8:48 PM", max_length = 100)]
    time: Option<String>,
    #[schema(example = "Are you free on Tuesday?", max_length = 100000)]
    message_content: String,
}

/// A form post: one message as fields, or a whole pasted `conversation`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessagesForm {
    user_id: String,
    thread_name: String,
    sender_name: Option<String>,
    message_content: Option<String>,
    date: Option<String>,
    time: Option<String>,
    message_id: Option<String>,
    /// A whole pasted conversation, read by the paste parser.
    conversation: Option<String>,
    /// The paste's format (`plain`, `whatsapp`, `linkedin`, `slack`, `email`, `json`);
    /// detected when absent or `auto`.
    format: Option<String>,
}

/// What was taken in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendMessagesResponse {
    /// Always `accepted`.
    #[schema(example = "accepted")]
    status: &'static str,
    thread_name: String,
    #[schema(value_type = Option<i64>)]
    thread_id: Option<ThreadId>,
    /// How many of the messages were not stored before.
    new_messages: usize,
    /// The draft job that will answer the thread (`GET /jobs/{id}`), when any message
    /// was new.
    #[schema(value_type = Option<i64>)]
    job_id: Option<JobId>,
    /// A pending draft that the new messages made out of date, now superseded.
    superseded_draft_message_id: Option<String>,
    /// How a pasted conversation was read (form posts with `conversation` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    paste: Option<PasteSummary>,
}

/// How a pasted conversation was read.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasteSummary {
    format: paste::Format,
    messages: usize,
    warnings: Vec<paste::Warning>,
}

/// `POST /send-messages/`: a thread's messages in; a draft job is queued when any is new.
#[utoipa::path(
    post,
    path = "/send-messages/",
    operation_id = "send_messages",
    tag = "messages",
    request_body(content(
        (SendMessagesJson = "application/json"),
        (SendMessagesForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 202, description = "Stored; a draft job is queued when any message was new", body = SendMessagesResponse),
        (status = 400, description = "The body is not valid JSON or form data", body = ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "`user_id` is another account's or a removed alias", body = ErrorBody),
        (status = 413, description = "The body is over 1 MiB", body = ErrorBody),
        (status = 415, description = "Neither JSON nor a form post", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong; `error.field` names it", body = ErrorBody),
        (status = 429, description = "The account has the most jobs waiting it may have; see Retry-After", body = ErrorBody),
    ),
)]
pub async fn send(
    State(jobs): State<JobQueue>,
    caller: ApiUser,
    body: JsonOrForm<SendMessagesJson, SendMessagesForm>,
) -> Result<(StatusCode, Json<SendMessagesResponse>), AppError> {
    let body = match body {
        JsonOrForm::Json(json) => json,
        JsonOrForm::Form(form) if form.conversation.is_some() => {
            return send_paste(&jobs, &caller, form).await;
        }
        JsonOrForm::Form(form) => from_form(form)?,
    };
    let user = caller.check_user_id(&body.user_id).await?;
    let thread_name = input::required("thread_name", &body.thread_name, MAX_NAME)?.to_owned();
    let messages = validate(body.messages)?;
    let accepted = inbox::accept(&jobs, user, &thread_name, messages).await?;
    Ok(respond(thread_name, accepted, None))
}

/// A form post with a whole pasted `conversation`.
async fn send_paste(
    jobs: &JobQueue,
    caller: &ApiUser,
    form: SendMessagesForm,
) -> Result<(StatusCode, Json<SendMessagesResponse>), AppError> {
    let user = caller.check_user_id(&form.user_id).await?;
    let thread_name = input::required("thread_name", &form.thread_name, MAX_NAME)?.to_owned();
    let format = match form.format.as_deref().map(str::trim) {
        None | Some("" | "auto") => None,
        Some(name) => Some(name.parse::<paste::Format>().map_err(|_| {
            AppError::invalid(
                "format",
                format!(
                    "format '{name}' is not one of auto, plain, whatsapp, linkedin, slack, \
                     email, json"
                ),
            )
        })?),
    };
    let text = form.conversation.unwrap_or_default();
    let pasted = inbox::accept_paste(jobs, user, &thread_name, &text, format).await?;
    let summary = PasteSummary {
        format: pasted.parsed.format,
        messages: pasted.parsed.messages.len(),
        warnings: pasted.parsed.warnings,
    };
    Ok(respond(thread_name, pasted.accepted, Some(summary)))
}

fn respond(
    thread_name: String,
    accepted: inbox::Accepted,
    paste: Option<PasteSummary>,
) -> (StatusCode, Json<SendMessagesResponse>) {
    (
        StatusCode::ACCEPTED,
        Json(SendMessagesResponse {
            status: "accepted",
            thread_name,
            thread_id: accepted.thread_id,
            new_messages: accepted.new_messages,
            job_id: accepted.job_id,
            superseded_draft_message_id: accepted.superseded_draft,
            paste,
        }),
    )
}

fn from_form(form: SendMessagesForm) -> Result<SendMessagesJson, AppError> {
    let sender_name = form
        .sender_name
        .ok_or_else(|| AppError::invalid("sender_name", "sender_name is required"))?;
    let message_content = form
        .message_content
        .ok_or_else(|| AppError::invalid("message_content", "message_content is required"))?;
    Ok(SendMessagesJson {
        user_id: form.user_id,
        thread_name: form.thread_name,
        messages: vec![MessageJson {
            message_id: form.message_id,
            sender_name,
            date: form.date,
            time: form.time,
            message_content,
        }],
    })
}

fn validate(messages: Vec<MessageJson>) -> Result<Vec<IncomingMessage>, AppError> {
    if messages.is_empty() {
        return Err(AppError::invalid("messages", "messages must not be empty"));
    }
    if messages.len() > MAX_MESSAGES {
        return Err(AppError::invalid(
            "messages",
            format!("at most {MAX_MESSAGES} messages can be sent at once"),
        ));
    }
    messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let field = |name: &str| format!("messages[{i}].{name}");
            let message_id = match m.message_id {
                Some(id) if !id.trim().is_empty() => {
                    Some(input::at_most(&field("message_id"), id.trim(), MAX_NAME)?.to_owned())
                }
                _ => None,
            };
            let date = m.date.unwrap_or_default();
            let time = m.time.unwrap_or_default();
            Ok(IncomingMessage {
                message_id,
                sender_name: input::required(&field("sender_name"), &m.sender_name, MAX_NAME)?
                    .to_owned(),
                date: input::at_most(&field("date"), date.trim(), MAX_LABEL)?.to_owned(),
                time: input::at_most(&field("time"), time.trim(), MAX_LABEL)?.to_owned(),
                content: input::at_most(
                    &field("message_content"),
                    &m.message_content,
                    MAX_CONTENT,
                )?
                .to_owned(),
                timestamp: None,
                is_mine: None,
            })
        })
        .collect()
}

/// Decodes and checks a JSON `send-messages` body exactly as the endpoint does, without
/// the database; the fuzz target (`fuzz/fuzz_targets/api_json.rs`) calls it. Returns how
/// many messages the body holds.
#[doc(hidden)]
pub fn check_json_body(body: &[u8]) -> Result<usize, AppError> {
    let body: SendMessagesJson = input::decode_json(body)?;
    input::required("thread_name", &body.thread_name, MAX_NAME)?;
    Ok(validate(body.messages)?.len())
}

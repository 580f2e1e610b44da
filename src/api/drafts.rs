//! The review endpoints: list pending drafts, give feedback, reject, approve.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiUser;
use super::input::{self, JsonOrForm};
use crate::db::{self, Db, JobId, ThreadId, Timestamp};
use crate::error::{AppError, ErrorBody};
use crate::jobs::JobQueue;
use crate::limits::{MAX_CONTENT, MAX_FEEDBACK, MAX_NAME};
use crate::notes::{Reach, UnknownReach};
use crate::review;

#[derive(Debug, Deserialize)]
pub struct DraftListQuery {
    user_id: Option<String>,
}

/// The drafts waiting for review, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftList {
    draft_messages: Vec<DraftItem>,
}

/// A draft waiting for review.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DraftMessage)]
struct DraftItem {
    thread_name: String,
    draft_message_id: String,
    draft_message_content: String,
    #[schema(value_type = i64)]
    thread_id: ThreadId,
    status: &'static str,
    #[schema(value_type = String)]
    created_at: Timestamp,
    feedback: Option<String>,
    revises_draft_message_id: Option<String>,
}

/// `GET /draft-messages/?user_id=`: the user's drafts waiting for review, newest first.
#[utoipa::path(
    get,
    path = "/draft-messages/",
    operation_id = "list_draft_messages",
    tag = "review",
    params(("user_id" = String, Query, description = "The account's name or an alias of it")),
    responses(
        (status = 200, description = "The pending drafts, newest first", body = DraftList),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "`user_id` is another account's or a removed alias", body = ErrorBody),
        (status = 422, description = "`user_id` is missing or not text", body = ErrorBody),
    ),
)]
pub async fn list(
    State(db): State<Db>,
    caller: ApiUser,
    RawQuery(query): RawQuery,
) -> Result<Json<DraftList>, AppError> {
    let query: DraftListQuery = serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("user_id", e.to_string()))?;
    let user_id = query
        .user_id
        .ok_or_else(|| AppError::invalid("user_id", "the user_id query parameter is required"))?;
    let user = caller.check_user_id(&user_id).await?;
    let drafts = db::drafts::list_pending(db.read(), user.id).await?;
    Ok(Json(DraftList {
        draft_messages: drafts
            .into_iter()
            .map(|d| DraftItem {
                thread_name: d.thread_name,
                draft_message_id: d.draft_message_id,
                draft_message_content: d.content,
                thread_id: d.thread_id,
                status: "pending",
                created_at: d.created_at,
                feedback: d.feedback,
                revises_draft_message_id: d.revises,
            })
            .collect(),
    }))
}

/// Feedback on a pending draft.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FeedbackBody {
    #[serde(deserialize_with = "input::string_or_number")]
    #[schema(schema_with = input::id_schema, example = "anna")]
    user_id: String,
    #[serde(deserialize_with = "input::string_or_number")]
    #[schema(schema_with = input::id_schema)]
    draft_message_id: String,
    /// What to change, e.g. "shorter, offer Tuesday".
    #[schema(example = "shorter, offer Tuesday", max_length = 10000)]
    feedback: String,
    /// How far the feedback reaches beyond this revision: `draft` (this draft only, no
    /// note), `contact` (a style note for this thread's drafts only), `always` (a style
    /// note for every draft), or `auto` (the default: the model judges whether it states
    /// a lasting preference, and if so keeps it as an `always` note).
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "auto", pattern = "^(draft|contact|always|auto)$")]
    reach: Option<String>,
}

impl FeedbackBody {
    /// The reach asked for; absent or blank is `auto`.
    fn reach(&self) -> Result<Reach, AppError> {
        self.reach
            .as_deref()
            .unwrap_or("")
            .parse()
            .map_err(|e: UnknownReach| AppError::invalid("reach", e.to_string()))
    }
}

/// A revision is queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackAccepted {
    status: &'static str,
    draft_message_id: String,
    #[schema(value_type = i64)]
    job_id: JobId,
}

/// `POST /process-feedback/`: queue a revision of a pending draft.
#[utoipa::path(
    post,
    path = "/process-feedback/",
    operation_id = "process_feedback",
    tag = "review",
    request_body(content(
        (FeedbackBody = "application/json"),
        (FeedbackBody = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 202, description = "A revision job is queued (feedback given while one is still queued joins it)", body = FeedbackAccepted),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "`user_id` is another account's or a removed alias", body = ErrorBody),
        (status = 404, description = "No such draft for this account", body = ErrorBody),
        (status = 409, description = "The draft is no longer pending, or its queued feedback is full", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong", body = ErrorBody),
        (status = 429, description = "The account has the most jobs waiting it may have", body = ErrorBody),
    ),
)]
pub async fn feedback(
    State(jobs): State<JobQueue>,
    caller: ApiUser,
    body: JsonOrForm<FeedbackBody, FeedbackBody>,
) -> Result<(StatusCode, Json<FeedbackAccepted>), AppError> {
    let (JsonOrForm::Json(body) | JsonOrForm::Form(body)) = body;
    let user = caller.check_user_id(&body.user_id).await?;
    let draft_id = input::required("draft_message_id", &body.draft_message_id, MAX_NAME)?;
    let text = input::required("feedback", &body.feedback, MAX_FEEDBACK)?;
    let reach = body.reach()?;
    let job_id = review::give_feedback(&jobs, user, draft_id, text, reach).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(FeedbackAccepted {
            status: "accepted",
            draft_message_id: draft_id.to_owned(),
            job_id,
        }),
    ))
}

/// A decision on a pending draft.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    #[serde(deserialize_with = "input::string_or_number")]
    #[schema(schema_with = input::id_schema, example = "anna")]
    user_id: String,
    #[serde(deserialize_with = "input::string_or_number")]
    #[schema(schema_with = input::id_schema)]
    draft_message_id: String,
    /// Approve only: the text as sent, when it differs from the draft. Absent or blank
    /// means the draft as written.
    #[serde(default)]
    #[schema(max_length = 100000)]
    final_content: Option<String>,
}

/// The draft after the decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decided {
    status: &'static str,
    draft_message_id: String,
    #[schema(value_type = i64)]
    thread_id: ThreadId,
    #[serde(skip_serializing_if = "Option::is_none")]
    final_content: Option<String>,
}

impl From<db::drafts::Draft> for Decided {
    fn from(draft: db::drafts::Draft) -> Self {
        Self {
            status: draft.status.as_str(),
            draft_message_id: draft.draft_message_id,
            thread_id: draft.thread_id,
            final_content: draft.final_content,
        }
    }
}

/// `POST /reject-draft/`: the draft leaves the review queue.
#[utoipa::path(
    post,
    path = "/reject-draft/",
    operation_id = "reject_draft",
    tag = "review",
    request_body(content(
        (DecisionBody = "application/json"),
        (DecisionBody = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Rejected", body = Decided),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "`user_id` is another account's or a removed alias", body = ErrorBody),
        (status = 404, description = "No such draft for this account", body = ErrorBody),
        (status = 409, description = "The draft is no longer pending", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong", body = ErrorBody),
    ),
)]
pub async fn reject(
    State(db): State<Db>,
    caller: ApiUser,
    body: JsonOrForm<DecisionBody, DecisionBody>,
) -> Result<Json<Decided>, AppError> {
    let (JsonOrForm::Json(body) | JsonOrForm::Form(body)) = body;
    let user = caller.check_user_id(&body.user_id).await?;
    let draft_id = input::required("draft_message_id", &body.draft_message_id, MAX_NAME)?;
    let draft = review::reject(&db, user, draft_id).await?;
    Ok(Json(Decided::from(draft)))
}

/// `POST /approve-draft/`: the draft is approved with its final text. An absent or blank
/// `final_content` means the draft was approved as written.
#[utoipa::path(
    post,
    path = "/approve-draft/",
    operation_id = "approve_draft",
    tag = "review",
    request_body(content(
        (DecisionBody = "application/json"),
        (DecisionBody = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Approved; its final text joins the replies the agent learns from", body = Decided),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "`user_id` is another account's or a removed alias", body = ErrorBody),
        (status = 404, description = "No such draft for this account", body = ErrorBody),
        (status = 409, description = "The draft is no longer pending", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong", body = ErrorBody),
    ),
)]
pub async fn approve(
    State(db): State<Db>,
    caller: ApiUser,
    body: JsonOrForm<DecisionBody, DecisionBody>,
) -> Result<Json<Decided>, AppError> {
    let (JsonOrForm::Json(body) | JsonOrForm::Form(body)) = body;
    let user = caller.check_user_id(&body.user_id).await?;
    let draft_id = input::required("draft_message_id", &body.draft_message_id, MAX_NAME)?;
    let final_content = body
        .final_content
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty());
    let draft = review::approve(&db, user, draft_id, final_content).await?;
    Ok(Json(Decided::from(draft)))
}

/// Decodes a JSON feedback, reject or approve body as those endpoints do, without the
/// database; the fuzz target calls it.
#[doc(hidden)]
pub fn check_json_bodies(body: &[u8]) -> [Result<(), AppError>; 2] {
    let feedback = input::decode_json::<FeedbackBody>(body).and_then(|b| {
        input::required("feedback", &b.feedback, MAX_FEEDBACK)?;
        b.reach().map(|_| ())
    });
    let decision = input::decode_json::<DecisionBody>(body).and_then(|b| {
        b.final_content
            .as_deref()
            .map_or(Ok(""), |t| input::at_most("final_content", t, MAX_CONTENT))
            .map(|_| ())
    });
    [feedback, decision]
}

//! Agent-run records: how a job's run ended, written with the job's result.

use std::time::Instant;

use crate::agent::RunReport;
use crate::db::agent_runs::{self, Outcome};
use crate::db::{RunId, Timestamp};

/// How a run ended, with what the run page shows for it.
pub(super) enum Ending<'a> {
    Drafted,
    NoReply(&'a str),
    Stale(&'a str),
    Failed(&'a str),
}

/// Records a run's end from its report; the caller completes the job.
pub(super) async fn finish(
    exec: crate::db::Exec<'_>,
    run_id: RunId,
    report: &RunReport,
    started: Instant,
    ending: Ending<'_>,
) -> Result<(), sqlx::Error> {
    let (outcome, reason, error) = match ending {
        Ending::Drafted => (Outcome::Drafted, None, None),
        Ending::NoReply(reason) => (Outcome::NoReply, Some(reason), None),
        Ending::Stale(reason) => (Outcome::Stale, Some(reason), None),
        Ending::Failed(error) => (Outcome::Failed, None, Some(error)),
    };
    let transcript = report.transcript_json();
    let finish = agent_runs::Finish {
        outcome,
        reason,
        error,
        transcript: &transcript,
        prompt_tokens: report.prompt_tokens,
        completion_tokens: report.completion_tokens,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        warning: report.warning.as_deref(),
    };
    agent_runs::finish(exec, run_id, &finish, Timestamp::now()).await
}

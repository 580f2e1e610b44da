//! Why an agent run failed, sorted by whose fault it was: the model's, the database's,
//! or the run's own limits. The job that ran the agent decides from this whether to try
//! again (`jobs::draft`); a database failure must never pass for a model failure.

use std::time::Duration;

use crate::llm::LlmError;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The model server failed or answered something unusable.
    #[error(transparent)]
    Model(#[from] LlmError),
    /// Reading the user's data failed. The message leaves the database's own text out:
    /// it reaches the run's record and the jobs API; the cause is logged where the job
    /// handles the error.
    #[error("the database failed while the agent worked (the server log has the cause)")]
    Database(#[from] sqlx::Error),
    /// The run went past `AGENT_RUN_TIMEOUT_SECS`.
    #[error(
        "the agent run took longer than {} s (AGENT_RUN_TIMEOUT_SECS) and was stopped",
        .0.as_secs()
    )]
    Timeout(Duration),
    /// The model used all `AGENT_MAX_ITERATIONS` turns without finishing.
    #[error("the agent did not finish within {0} model turns (AGENT_MAX_ITERATIONS)")]
    TurnLimit(u32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_failure_does_not_read_as_a_model_failure() {
        let text = AgentError::from(sqlx::Error::PoolTimedOut).to_string();
        assert!(text.contains("database"), "{text}");
        assert!(!text.contains("model"), "{text}");
        assert!(!text.contains("pool"), "the cause stays in the log: {text}");
    }

    #[test]
    fn a_model_failure_reads_as_the_model_server_said() {
        let error = AgentError::from(LlmError::Permanent(
            "the model server answered 400".to_owned(),
        ));
        assert_eq!(error.to_string(), "the model server answered 400");
    }
}

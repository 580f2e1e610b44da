//! Row ids as types: one newtype over `i64` per table, so a thread's id cannot be passed
//! where a user's id is expected.
//!
//! Each id is stored as SQLite's INTEGER (`#[sqlx(transparent)]`) and serialised as a
//! bare JSON number (`#[serde(transparent)]`), so the database and the JSON API see
//! exactly what they saw when these were plain `i64`s. The external ids of the contract
//! (`user_id` names, `message_id`, `draft_message_id`) are text and stay `String`s;
//! these are the internal integer keys.
//!
//! In the OpenAPI description an id field is written `#[schema(value_type = i64)]`: a
//! schema component per id type would change the published description for no client's
//! benefit.

use std::fmt;
use std::str::FromStr;

/// A path or form value that is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an id")]
pub struct ParseIdError(String);

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw row id (from SQL that returns bare integers, or a test).
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw row id, for SQL built from several ids at once (JSON arrays).
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Parses the decimal form that `Display` writes (path segments, form fields).
        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self).map_err(|_| ParseIdError(s.to_owned()))
            }
        }
    };
}

row_id!(
    /// A row of `users` (the account; its external id is `User::name`).
    UserId
);
row_id!(
    /// A row of `threads`.
    ThreadId
);
row_id!(
    /// A row of `jobs`; the API's `job_id`.
    JobId
);
row_id!(
    /// A row of `drafts` (the contract names a draft by its `draft_message_id` text).
    DraftId
);
row_id!(
    /// A row of `messages` (the contract names a message by its `message_id` text,
    /// unique only within its thread).
    MessageId
);
row_id!(
    /// A row of `agent_runs`.
    RunId
);
row_id!(
    /// A row of `run_precedents`: something a run was shown ("Based on").
    PrecedentId
);
row_id!(
    /// A row of `api_tokens` (`draftdesk token revoke <id>`, the settings page).
    TokenId
);
row_id!(
    /// A row of `user_aliases`.
    AliasId
);
row_id!(
    /// A row of `style_notes`: one version of a note.
    NoteId
);
row_id!(
    /// A row of `note_proposals`.
    ProposalId
);
row_id!(
    /// A row of `draft_edits`.
    EditId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_what_they_display_and_nothing_else() {
        let id: ThreadId = "42".parse().expect("a number");
        assert_eq!(id, ThreadId::new(42));
        assert_eq!(id.to_string(), "42");
        for bad in ["", "4 2", "x", "1.5", "99999999999999999999"] {
            assert_eq!(
                bad.parse::<JobId>(),
                Err(ParseIdError(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ids_serialise_as_bare_numbers() {
        assert_eq!(
            serde_json::to_string(&Some(JobId::new(7))).expect("serialises"),
            "7"
        );
        let id: UserId = serde_json::from_str("3").expect("a number");
        assert_eq!(id.get(), 3);
    }

    #[tokio::test]
    async fn ids_are_stored_as_integers() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:")
            .await
            .expect("in-memory database");
        let (kind, back): (String, DraftId) = sqlx::query_as("SELECT typeof($1), $1")
            .bind(DraftId::new(12))
            .fetch_one(&pool)
            .await
            .expect("query");
        assert_eq!(kind, "integer");
        assert_eq!(back, DraftId::new(12));
    }
}

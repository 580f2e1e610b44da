//! Instants as the schema stores them: UTC text such as `2026-11-24T09:02:00.123Z`.
//!
//! [`Timestamp`] wraps `chrono::DateTime<Utc>` but is written to and read from SQLite as
//! that exact text, the same shape the schema's defaults write
//! (`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`). Text is kept rather than sqlx's `chrono`
//! encoding because stored values must stay byte-identical, and because some SQL
//! compares timestamps as text (`locked_until < ?`, `run_at <= ?`): with a fixed width
//! and millisecond precision, text order is time order. (`crate::timestamp` is another
//! matter: it reads the date labels that clients send with their messages.)

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;

/// The stored text form: UTC, milliseconds, `Z`.
const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// An instant, to the millisecond, stored as sortable UTC text.
///
/// Always truncated to whole milliseconds, so that comparing two `Timestamp`s agrees
/// with comparing their stored text, and a value read back equals the value written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Text that is not a stored timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a timestamp like 2026-11-24T09:02:00.123Z")]
pub struct ParseTimestampError(String);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self::from(Utc::now())
    }

    /// The instant as chrono sees it (for arithmetic and formatting).
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// This instant moved by `delta`; saturates rather than overflowing (an absurd
    /// lease or backoff must not panic a worker).
    pub fn plus(self, delta: chrono::TimeDelta) -> Self {
        self.0
            .checked_add_signed(delta)
            .map_or(Self(DateTime::<Utc>::MAX_UTC.trunc_subsecs(3)), Self::from)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at.trunc_subsecs(3))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format(FORMAT).fmt(f)
    }
}

/// Reads the stored form. Any RFC 3339 instant is accepted (an offset is converted to
/// UTC, extra digits truncated); what is written back is always the stored form.
impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DateTime::parse_from_rfc3339(s)
            .map(|at| Self::from(at.with_timezone(&Utc)))
            .map_err(|_| ParseTimestampError(s.to_owned()))
    }
}

/// The JSON API shows timestamps as the stored text, as it did when they were strings.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads the stored form from JSON built by the database (see `drafts::list_pending`).
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// Stored as text on both backends, in the form above.
impl<DB: sqlx::Database> sqlx::Type<DB> for Timestamp
where
    str: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <str as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <str as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for Timestamp
where
    String: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        <String as sqlx::Encode<'q, DB>>::encode(self.to_string(), buf)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for Timestamp
where
    &'r str: sqlx::Decode<'r, DB>,
{
    fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
        Ok(text.parse()?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    #[test]
    fn the_stored_form_has_milliseconds_and_z() {
        let t = Timestamp::from(
            Utc.with_ymd_and_hms(2026, 11, 24, 9, 2, 0)
                .single()
                .expect("a valid date"),
        );
        assert_eq!(t.to_string(), "2026-11-24T09:02:00.000Z");
        assert_eq!(
            at("2026-11-24T09:02:00.123Z").to_string(),
            "2026-11-24T09:02:00.123Z"
        );
        // Finer precision and other offsets are read, and written back in the stored form.
        assert_eq!(
            at("2026-11-24T09:02:00.123999Z").to_string(),
            "2026-11-24T09:02:00.123Z"
        );
        assert_eq!(
            at("2026-11-24T10:02:00+01:00").to_string(),
            "2026-11-24T09:02:00.000Z"
        );
    }

    #[test]
    fn text_that_is_not_an_instant_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2026-11-24",
            "2026-11-24T09:02:00",
            "2026-13-01T00:00:00Z",
        ] {
            assert_eq!(
                bad.parse::<Timestamp>(),
                Err(ParseTimestampError(bad.to_owned())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn timestamps_order_as_their_text_does() {
        let now = Timestamp::now();
        let times = [
            now,
            now.plus(chrono::TimeDelta::milliseconds(1)),
            now.plus(chrono::TimeDelta::milliseconds(999)),
            now.plus(chrono::TimeDelta::seconds(61)),
            now.plus(chrono::TimeDelta::days(400)),
            now.plus(chrono::TimeDelta::milliseconds(-1)),
        ];
        for a in times {
            for b in times {
                assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()), "{a} vs {b}");
            }
        }
        // Sub-millisecond differences do not exist: they would not survive storage.
        assert_eq!(now, at(&now.to_string()));
    }

    #[test]
    fn timestamps_serialise_as_the_stored_text() {
        let t = at("2026-11-24T09:02:00.120Z");
        assert_eq!(
            serde_json::to_string(&t).expect("serialises"),
            "\"2026-11-24T09:02:00.120Z\""
        );
    }

    #[tokio::test]
    async fn a_round_trip_through_sqlite_keeps_the_text_and_sqlite_compares_it() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:")
            .await
            .expect("in-memory database");
        let t = at("2026-11-24T09:02:00.120Z");
        let (kind, text, back): (String, String, Timestamp) =
            sqlx::query_as("SELECT typeof($1), $1, $1")
                .bind(t)
                .fetch_one(&pool)
                .await
                .expect("query");
        assert_eq!(
            (kind.as_str(), text.as_str()),
            ("text", "2026-11-24T09:02:00.120Z")
        );
        assert_eq!(back, t);

        // What the schema's defaults write reads back as the same instant.
        let (default, read): (String, Timestamp) = sqlx::query_as(
            "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS s, \
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AS t",
        )
        .fetch_one(&pool)
        .await
        .expect("query");
        assert_eq!(read.to_string(), default);

        let earlier: bool = sqlx::query_scalar("SELECT $1 < $2")
            .bind(t)
            .bind(t.plus(chrono::TimeDelta::milliseconds(1)))
            .fetch_one(&pool)
            .await
            .expect("query");
        assert!(earlier);

        let bad: Result<Timestamp, _> = sqlx::query_scalar("SELECT 'soon'").fetch_one(&pool).await;
        assert!(
            bad.is_err(),
            "text that is not a timestamp is a decode error"
        );
    }
}

//! "How it is going": week by week, what became of a user's drafts, overall and per
//! model, from the tables as they are (`db::stats` reads the rows).
//!
//! Weeks are ISO weeks in UTC (Monday 00:00 to Sunday 24:00), named by their Monday. An
//! event counts in the week it happened:
//!
//! - *drafts made*: every draft the agent wrote, revisions included (`created_at`);
//! - *approved unchanged* and *approved with edits* (`decided_at`), the latter with the
//!   median edit size of [`edit`];
//! - *revised*: drafts that received feedback and were replaced by the revision it
//!   asked for (another draft `revises` them; `decided_at`);
//! - *rejected* (`decided_at`; a rejection taken back is no longer one);
//! - *no-reply decisions overturned*: "Draft anyway" after the agent decided that no
//!   reply was needed (a draft job whose payload requests a reply, queued after a
//!   `no_reply` run; when it was queued);
//! - *time to approval*: from the arrival of the message an approved draft answers to
//!   its approval, as a median.
//!
//! Per model, a draft counts under the model of the run that wrote it, and an overturned
//! decision under the model that made it.

pub mod csv;
pub mod edit;

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::db::drafts::DraftStatus;
use crate::db::stats::{DraftRow, OverturnRow};
use crate::db::{self, Db, Timestamp, UserId};
use crate::jobs::DraftPayload;

/// How many weeks are shown when nothing else is asked for.
pub const DEFAULT_WEEKS: u32 = 12;
/// The most weeks one report covers.
pub const MAX_WEEKS: u32 = 52;
/// The model shown for a draft whose run is not recorded.
pub const UNKNOWN_MODEL: &str = "(unknown)";

/// How many weeks a report covers: from 1 to [`MAX_WEEKS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weeks(u32);

impl Weeks {
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Weeks {
    fn default() -> Self {
        Self(DEFAULT_WEEKS)
    }
}

/// A number of weeks that is not one from 1 to [`MAX_WEEKS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the number of weeks must be a whole number from 1 to {MAX_WEEKS}; '{0}' is not")]
pub struct BadWeeks(pub String);

impl FromStr for Weeks {
    type Err = BadWeeks;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.parse::<u32>() {
            Ok(n) if (1..=MAX_WEEKS).contains(&n) && s.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Self(n))
            }
            _ => Err(BadWeeks(s.chars().take(40).collect())),
        }
    }
}

/// The Monday of the ISO week (in UTC) that `at` falls in.
pub fn week_start(at: DateTime<Utc>) -> NaiveDate {
    let day = at.date_naive();
    let back = Days::new(u64::from(day.weekday().num_days_from_monday()));
    day.checked_sub_days(back).unwrap_or(day)
}

/// The weeks a report covers: `count` weeks, the last of them the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first week's Monday.
    pub first: NaiveDate,
    pub count: u32,
}

impl Range {
    /// The `weeks` weeks up to and including the one `now` is in.
    pub fn ending_at(now: DateTime<Utc>, weeks: Weeks) -> Self {
        let last = week_start(now);
        let back = Days::new(7 * u64::from(weeks.get() - 1));
        Self {
            first: last.checked_sub_days(back).unwrap_or(last),
            count: weeks.get(),
        }
    }

    /// The Monday of week `index` (0 is the first).
    pub fn week(&self, index: u32) -> NaiveDate {
        let days = Days::new(7 * u64::from(index));
        self.first.checked_add_days(days).unwrap_or(self.first)
    }

    /// The last day (a Sunday) of the range.
    pub fn last_day(&self) -> NaiveDate {
        let days = Days::new(7 * u64::from(self.count) - 1);
        self.first.checked_add_days(days).unwrap_or(self.first)
    }

    /// When the first week begins.
    pub fn start(&self) -> Timestamp {
        Timestamp::from(self.first.and_time(NaiveTime::MIN).and_utc())
    }

    /// Which week `at` falls in, if it is in the range.
    pub fn index(&self, at: Timestamp) -> Option<usize> {
        let days = (week_start(at.as_datetime()) - self.first).num_days();
        let index = usize::try_from(days / 7).ok().filter(|_| days >= 0)?;
        (index < self.count as usize).then_some(index)
    }
}

/// What happened in a week (or several), for one model or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub drafts_made: u32,
    pub approved_unchanged: u32,
    pub approved_edited: u32,
    /// The edit size of each approval with edits ([`edit::edit_size`]).
    pub edit_sizes: Vec<usize>,
    pub revised: u32,
    pub rejected: u32,
    pub no_reply_overturned: u32,
    /// From the answered message's arrival to the approval, in milliseconds, for each
    /// approval whose message is known.
    pub approval_times_ms: Vec<i64>,
}

impl Figures {
    /// Nothing happened.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Drafts approved, revised or rejected: what the chart stacks.
    pub fn decided(&self) -> u32 {
        self.approved_unchanged + self.approved_edited + self.revised + self.rejected
    }

    /// The median edit size of the approvals with edits, in characters.
    pub fn median_edit(&self) -> Option<f64> {
        let sizes: Vec<i64> = self
            .edit_sizes
            .iter()
            .map(|&s| i64::try_from(s).unwrap_or(i64::MAX))
            .collect();
        median(sizes).map(|(low, high)| (low as f64 + high as f64) / 2.0)
    }

    /// The median time from a message to the approval of its draft.
    pub fn median_time_to_approval(&self) -> Option<TimeDelta> {
        median(self.approval_times_ms.clone())
            .map(|(low, high)| TimeDelta::milliseconds(low + (high - low) / 2))
    }

    fn add(&mut self, other: &Self) {
        self.drafts_made += other.drafts_made;
        self.approved_unchanged += other.approved_unchanged;
        self.approved_edited += other.approved_edited;
        self.edit_sizes.extend_from_slice(&other.edit_sizes);
        self.revised += other.revised;
        self.rejected += other.rejected;
        self.no_reply_overturned += other.no_reply_overturned;
        self.approval_times_ms
            .extend_from_slice(&other.approval_times_ms);
    }
}

/// The two middle values of `values` (the same one for an odd count); `None` if empty.
fn median(mut values: Vec<i64>) -> Option<(i64, i64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some((values[(n - 1) / 2], values[n / 2]))
}

/// One week of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// Its Monday.
    pub start: NaiveDate,
    pub all: Figures,
    /// Per model, for the models with something in this week, by name.
    pub by_model: Vec<(String, Figures)>,
}

/// One model's weeks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelReport {
    pub model: String,
    pub total: Figures,
    /// The weeks with something for this model, oldest first.
    pub weeks: Vec<(NaiveDate, Figures)>,
}

/// Every week of the range, the range as a whole, and per model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub range: Range,
    /// Every week of the range, oldest first, also those with nothing in them.
    pub weeks: Vec<Week>,
    pub total: Figures,
    /// By name.
    pub models: Vec<ModelReport>,
}

impl Report {
    /// Nothing happened in the whole range.
    pub fn is_empty(&self) -> bool {
        self.total.is_empty()
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("working out the figures stopped: {0}")]
    Build(#[from] tokio::task::JoinError),
}

/// The user's report for the `weeks` weeks up to the one `now` is in.
pub async fn load(
    db: &Db,
    user_id: UserId,
    weeks: Weeks,
    now: DateTime<Utc>,
) -> Result<Report, StatsError> {
    let range = Range::ending_at(now, weeks);
    let drafts = db::stats::drafts_since(db.read(), user_id, range.start()).await?;
    let overturns = db::stats::overturns_since(db.read(), user_id, range.start()).await?;
    // Comparing long texts is CPU work: off the workers that serve requests.
    let report = tokio::task::spawn_blocking(move || build(range, &drafts, &overturns)).await?;
    Ok(report)
}

/// The figures per week and model in `range`, from the rows that `db::stats` reads.
pub fn build(range: Range, drafts: &[DraftRow], overturns: &[OverturnRow]) -> Report {
    let mut weeks: Vec<BTreeMap<String, Figures>> = vec![BTreeMap::new(); range.count as usize];
    // The figures of the model in the week of `when`, if that week is in the range.
    fn at<'w>(
        weeks: &'w mut [BTreeMap<String, Figures>],
        range: Range,
        when: Timestamp,
        model: &str,
    ) -> Option<&'w mut Figures> {
        let week = weeks.get_mut(range.index(when)?)?;
        Some(week.entry(model.to_owned()).or_default())
    }
    let revised: HashSet<_> = drafts.iter().filter_map(|d| d.revises_draft_id).collect();
    for d in drafts {
        let model = d.model.as_deref().unwrap_or(UNKNOWN_MODEL);
        if let Some(f) = at(&mut weeks, range, d.created_at, model) {
            f.drafts_made += 1;
        }
        let Some(decided_at) = d.decided_at else {
            continue;
        };
        let Some(f) = at(&mut weeks, range, decided_at, model) else {
            continue;
        };
        match d.status {
            DraftStatus::Approved => {
                let draft = d.content.as_deref().unwrap_or_default();
                let approved = d.final_content.as_deref().unwrap_or(draft);
                if edit::is_edited(draft, approved) {
                    f.approved_edited += 1;
                    f.edit_sizes.push(edit::edit_size(draft, approved));
                } else {
                    f.approved_unchanged += 1;
                }
                if let Some(received) = d.answered_received_at {
                    let took = decided_at.as_datetime() - received.as_datetime();
                    f.approval_times_ms.push(took.num_milliseconds().max(0));
                }
            }
            DraftStatus::Rejected => f.rejected += 1,
            DraftStatus::Superseded if revised.contains(&d.id) => f.revised += 1,
            DraftStatus::Superseded | DraftStatus::Pending => {}
        }
    }
    for o in overturns {
        // A payload that does not read is an ordinary draft job, as the job itself reads it.
        let requested =
            serde_json::from_str::<DraftPayload>(&o.payload).is_ok_and(|p| p.reply_requested);
        if requested && let Some(f) = at(&mut weeks, range, o.requested_at, &o.model) {
            f.no_reply_overturned += 1;
        }
    }
    shape(range, weeks)
}

fn shape(range: Range, weeks: Vec<BTreeMap<String, Figures>>) -> Report {
    let mut total = Figures::default();
    let mut models: BTreeMap<String, ModelReport> = BTreeMap::new();
    let weeks = weeks
        .into_iter()
        .zip(0..)
        .map(|(by_model, index)| {
            let start = range.week(index);
            let mut all = Figures::default();
            for (model, figures) in &by_model {
                all.add(figures);
                let report = models.entry(model.clone()).or_insert_with(|| ModelReport {
                    model: model.clone(),
                    total: Figures::default(),
                    weeks: Vec::new(),
                });
                report.total.add(figures);
                report.weeks.push((start, figures.clone()));
            }
            total.add(&all);
            Week {
                start,
                all,
                by_model: by_model.into_iter().collect(),
            }
        })
        .collect();
    Report {
        range,
        weeks,
        total,
        models: models.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DraftId;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    fn range(now: &str, weeks: u32) -> Range {
        Range::ending_at(
            at(now).as_datetime(),
            weeks.to_string().parse().expect("weeks"),
        )
    }

    #[test]
    fn weeks_start_on_monday_at_midnight_utc() {
        // 2026-11-02 is a Monday.
        for (instant, monday) in [
            ("2026-11-02T00:00:00.000Z", "2026-11-02"),
            ("2026-11-04T12:30:00.000Z", "2026-11-02"),
            ("2026-11-08T23:59:59.999Z", "2026-11-02"),
            ("2026-11-09T00:00:00.000Z", "2026-11-09"),
            ("2026-11-01T23:59:59.999Z", "2026-10-26"),
            // Across a year: ISO week 1 of 2027 begins on Monday 2027-01-04, and the
            // days before it belong to the week that began on 2026-12-28.
            ("2027-01-01T08:00:00.000Z", "2026-12-28"),
            ("2027-01-03T23:00:00.000Z", "2026-12-28"),
            ("2027-01-04T00:00:00.000Z", "2027-01-04"),
            // An instant written with an offset is bucketed by its UTC time.
            ("2026-11-09T01:00:00+02:00", "2026-11-02"),
        ] {
            assert_eq!(
                week_start(at(instant).as_datetime()),
                day(monday),
                "{instant}"
            );
        }
    }

    #[test]
    fn a_range_ends_with_the_current_week_and_places_instants_in_it() {
        let r = range("2026-11-04T12:00:00.000Z", 3);
        assert_eq!(r.first, day("2026-10-19"));
        assert_eq!(r.last_day(), day("2026-11-08"));
        assert_eq!(r.start().to_string(), "2026-10-19T00:00:00.000Z");
        assert_eq!(r.week(2), day("2026-11-02"));
        assert_eq!(r.index(at("2026-10-18T23:59:59.999Z")), None);
        assert_eq!(r.index(at("2026-10-19T00:00:00.000Z")), Some(0));
        assert_eq!(r.index(at("2026-10-25T23:59:59.999Z")), Some(0));
        assert_eq!(r.index(at("2026-10-26T00:00:00.000Z")), Some(1));
        assert_eq!(r.index(at("2026-11-08T23:59:59.999Z")), Some(2));
        assert_eq!(r.index(at("2026-11-09T00:00:00.000Z")), None);
        let one = range("2026-11-02T00:00:00.000Z", 1);
        assert_eq!(
            (one.first, one.last_day()),
            (day("2026-11-02"), day("2026-11-08"))
        );
    }

    #[test]
    fn weeks_are_a_whole_number_from_1_to_52() {
        assert_eq!("1".parse::<Weeks>().map(Weeks::get), Ok(1));
        assert_eq!("52".parse::<Weeks>().map(Weeks::get), Ok(52));
        for bad in [
            "0",
            "53",
            "-1",
            "+4",
            "4.5",
            "",
            " 4",
            "twelve",
            "99999999999",
        ] {
            assert_eq!(
                bad.parse::<Weeks>(),
                Err(BadWeeks(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(Weeks::default().get(), DEFAULT_WEEKS);
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        let mut f = Figures::default();
        assert_eq!((f.median_edit(), f.median_time_to_approval()), (None, None));
        f.edit_sizes = vec![30, 2, 8];
        f.approval_times_ms = vec![4_000, 1_000];
        assert_eq!(f.median_edit(), Some(8.0));
        assert_eq!(
            f.median_time_to_approval(),
            Some(TimeDelta::milliseconds(2_500))
        );
        f.edit_sizes.push(9);
        assert_eq!(f.median_edit(), Some(8.5));
    }

    fn draft(id: i64, status: DraftStatus, created: &str, decided: Option<&str>) -> DraftRow {
        DraftRow {
            id: DraftId::new(id),
            status,
            revises_draft_id: None,
            content: None,
            final_content: None,
            created_at: at(created),
            decided_at: decided.map(at),
            model: Some("m".to_owned()),
            answered_received_at: None,
        }
    }

    #[test]
    fn each_event_counts_in_the_week_it_happened() {
        let r = range("2026-11-04T12:00:00.000Z", 2); // weeks of 26 Oct and 2 Nov
        let mut approved = draft(
            1,
            DraftStatus::Approved,
            "2026-11-01T23:00:00.000Z",
            Some("2026-11-02T01:00:00.000Z"),
        );
        approved.content = Some("Hi Bob".to_owned());
        approved.final_content = Some("Hi Bob!".to_owned());
        approved.answered_received_at = Some(at("2026-11-01T22:00:00.000Z"));
        let mut revision = draft(
            3,
            DraftStatus::Rejected,
            "2026-10-27T10:00:00.000Z",
            Some("2026-10-28T10:00:00.000Z"),
        );
        revision.revises_draft_id = Some(DraftId::new(2));
        revision.model = None;
        let drafts = [
            approved,
            draft(
                2,
                DraftStatus::Superseded,
                "2026-10-27T09:00:00.000Z",
                Some("2026-10-27T10:00:00.000Z"),
            ),
            revision,
            // Replaced by new messages, not by a revision: made, nothing more.
            draft(
                4,
                DraftStatus::Superseded,
                "2026-11-03T09:00:00.000Z",
                Some("2026-11-03T10:00:00.000Z"),
            ),
            // Made before the range, rejected in it.
            draft(
                5,
                DraftStatus::Rejected,
                "2026-10-20T09:00:00.000Z",
                Some("2026-11-03T10:00:00.000Z"),
            ),
            draft(6, DraftStatus::Pending, "2026-11-04T09:00:00.000Z", None),
        ];
        let overturns = [
            OverturnRow {
                requested_at: at("2026-11-02T09:00:00.000Z"),
                payload: r#"{"reply_requested":true}"#.to_owned(),
                model: "n".to_owned(),
            },
            OverturnRow {
                requested_at: at("2026-11-02T09:00:00.000Z"),
                payload: r#"{"reply_requested":false,"x":true}"#.to_owned(),
                model: "n".to_owned(),
            },
        ];
        let report = build(r, &drafts, &overturns);
        let [first, second] = &report.weeks[..] else {
            panic!("two weeks: {report:?}");
        };
        assert_eq!(first.start, day("2026-10-26"));
        assert_eq!(
            (
                first.all.drafts_made,
                first.all.revised,
                first.all.rejected,
                first.all.approved_edited
            ),
            (3, 1, 1, 0),
            "{first:?}"
        );
        assert_eq!(second.start, day("2026-11-02"));
        assert_eq!(
            (
                second.all.drafts_made,
                second.all.approved_edited,
                second.all.edit_sizes.clone(),
                second.all.rejected,
                second.all.no_reply_overturned,
                second.all.approval_times_ms.clone(),
            ),
            (2, 1, vec![1], 1, 1, vec![3 * 3_600_000]),
            "{second:?}"
        );
        let names: Vec<&str> = report.models.iter().map(|m| m.model.as_str()).collect();
        assert_eq!(names, ["(unknown)", "m", "n"]);
        assert_eq!(report.models[1].total.drafts_made, 4);
        assert_eq!(report.models[1].weeks.len(), 2);
        assert_eq!(
            report.models[2].weeks,
            [(
                day("2026-11-02"),
                Figures {
                    no_reply_overturned: 1,
                    ..Figures::default()
                }
            )]
        );
        assert_eq!(report.total.drafts_made, 5);
        assert!(!report.is_empty());
        assert!(build(r, &[], &[]).is_empty());
    }
}

//! "How it is going" (`/stats`): week by week, what became of the user's drafts, as a
//! chart, a table, a table per model, and the same figures as CSV (`/stats.csv`).

mod chart;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeDelta, Utc};

use self::chart::{Chart, SERIES};
use super::{Layout, PageError, PageUser};
use crate::state::AppState;
use crate::stats::{self, Figures, MAX_WEEKS, Report, StatsError, Weeks};

/// The ranges offered as links.
const CHOICES: [u32; 4] = [4, 12, 26, 52];

#[derive(Template, WebTemplate)]
#[template(path = "stats.html")]
struct StatsPage {
    layout: Layout,
    weeks: u32,
    /// The ranges offered, and whether each is the one shown.
    choices: Vec<(u32, bool)>,
    /// A `weeks` that is not a number of weeks: the page shows only this.
    error: Option<String>,
    /// The first and last day shown.
    first_day: String,
    last_day: String,
    empty: bool,
    chart: Option<Chart>,
    series: [(&'static str, &'static str); 4],
    overall: Table,
    models: Vec<Table>,
}

/// A table of figures: one row per week, and the total.
struct Table {
    /// For ids: `all` or `model-N`.
    key: String,
    /// The model's name (a heading above the table), or empty.
    name: String,
    /// What the table covers; shown only to screen readers under a model's heading.
    caption: String,
    caption_hidden: bool,
    rows: Vec<Row>,
    total: Row,
}

/// A row of figures as the page writes them.
struct Row {
    label: String,
    /// Nothing happened: on a phone the row is one line.
    empty: bool,
    /// The week's Monday (`YYYY-MM-DD`) for `<time>`; none for a total.
    week: Option<String>,
    drafts_made: u32,
    approved_unchanged: u32,
    approved_edited: u32,
    median_edit: Option<String>,
    revised: u32,
    rejected: u32,
    no_reply_overturned: u32,
    median_time: Option<String>,
}

impl Row {
    fn new(label: String, week: Option<NaiveDate>, f: &Figures) -> Self {
        Self {
            label,
            empty: f.is_empty(),
            week: week.map(|w| w.format("%Y-%m-%d").to_string()),
            drafts_made: f.drafts_made,
            approved_unchanged: f.approved_unchanged,
            approved_edited: f.approved_edited,
            median_edit: f.median_edit().map(|m| m.to_string()),
            revised: f.revised,
            rejected: f.rejected,
            no_reply_overturned: f.no_reply_overturned,
            median_time: f.median_time_to_approval().map(duration),
        }
    }
}

/// A time as the page says it: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
fn duration(t: TimeDelta) -> String {
    let s = t.num_seconds();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

fn total_label(weeks: u32) -> String {
    if weeks == 1 {
        "The week".to_owned()
    } else {
        format!("All {weeks} weeks")
    }
}

/// The `weeks` of a query: absent is the default; anything but one whole number from 1
/// to [`MAX_WEEKS`] is refused with a message saying so.
fn weeks_of(query: Option<&str>) -> Result<Weeks, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| "The address's query could not be read.".to_owned())?;
    let mut given = pairs
        .into_iter()
        .filter(|(k, _)| k == "weeks")
        .map(|(_, v)| v);
    match (given.next(), given.next()) {
        (None, _) => Ok(Weeks::default()),
        (Some(_), Some(_)) => Err("Give the number of weeks once.".to_owned()),
        (Some(value), None) => value.parse().map_err(|_| {
            let shown: String = value.chars().take(40).collect();
            format!(
                "Choose from 1 to {MAX_WEEKS} weeks: \u{201c}{shown}\u{201d} is not a whole \
                 number in that range."
            )
        }),
    }
}

fn stats_error(error: StatsError) -> PageError {
    match error {
        StatsError::Database(e) => e.into(),
        StatsError::Build(e) => PageError::internal(&e),
    }
}

/// `GET /stats`.
pub async fn show(
    State(state): State<AppState>,
    user: PageUser,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let layout = user.layout(&state, "How it is going").await?;
    let weeks = match weeks_of(query.as_deref()) {
        Ok(weeks) => weeks,
        Err(message) => {
            let page = page(layout, Weeks::default(), None, Some(message));
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let report = stats::load(&state.db, user.user.id, weeks, Utc::now())
        .await
        .map_err(stats_error)?;
    Ok(page(layout, weeks, Some(&report), None).into_response())
}

fn page(layout: Layout, weeks: Weeks, report: Option<&Report>, error: Option<String>) -> StatsPage {
    let choices = CHOICES
        .iter()
        .map(|&n| (n, report.is_some() && n == weeks.get()))
        .collect();
    let empty_table = || Table {
        key: "all".to_owned(),
        name: String::new(),
        caption: String::new(),
        caption_hidden: false,
        rows: Vec::new(),
        total: Row::new(String::new(), None, &Figures::default()),
    };
    let Some(report) = report else {
        return StatsPage {
            layout,
            weeks: weeks.get(),
            choices,
            error,
            first_day: String::new(),
            last_day: String::new(),
            empty: true,
            chart: None,
            series: SERIES,
            overall: empty_table(),
            models: Vec::new(),
        };
    };
    let total = total_label(weeks.get());
    let overall = Table {
        key: "all".to_owned(),
        name: String::new(),
        caption: "Every week, all models".to_owned(),
        caption_hidden: false,
        rows: report
            .weeks
            .iter()
            .map(|w| Row::new(day(w.start), Some(w.start), &w.all))
            .collect(),
        total: Row::new(total.clone(), None, &report.total),
    };
    let models = report
        .models
        .iter()
        .zip(1..)
        .map(|(m, n)| Table {
            key: format!("model-{n}"),
            name: m.model.clone(),
            caption: format!("{}, week by week", m.model),
            caption_hidden: true,
            rows: m
                .weeks
                .iter()
                .map(|(start, f)| Row::new(day(*start), Some(*start), f))
                .collect(),
            total: Row::new(total.clone(), None, &m.total),
        })
        .collect();
    StatsPage {
        layout,
        weeks: weeks.get(),
        choices,
        error,
        first_day: day(report.range.first),
        last_day: day(report.range.last_day()),
        empty: report.is_empty(),
        chart: chart::chart(report),
        series: SERIES,
        overall,
        models,
    }
}

/// `GET /stats.csv`: the page's figures as a CSV download.
pub async fn csv(
    State(state): State<AppState>,
    user: PageUser,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let weeks = match weeks_of(query.as_deref()) {
        Ok(weeks) => weeks,
        Err(message) => {
            let layout = user.layout(&state, "How it is going").await?;
            let page = page(layout, Weeks::default(), None, Some(message));
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let report = stats::load(&state.db, user.user.id, weeks, Utc::now())
        .await
        .map_err(stats_error)?;
    let filename = format!(
        "attachment; filename=\"draftdesk-stats-{}-to-{}.csv\"",
        report.range.first.format("%Y-%m-%d"),
        report.range.last_day().format("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        stats::csv::render(&report),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_largest_units_that_matter() {
        let cases = [
            (0, "0 s"),
            (45, "45 s"),
            (60, "1 min"),
            (61, "1 min"),
            (3_599, "59 min"),
            (3_600, "1 h"),
            (3_660, "1 h 1 min"),
            (86_399, "23 h 59 min"),
            (86_400, "1 d"),
            (86_400 + 3_600 * 5 + 60, "1 d 5 h"),
        ];
        for (seconds, text) in cases {
            assert_eq!(duration(TimeDelta::seconds(seconds)), text);
        }
    }

    #[test]
    fn weeks_come_from_the_query_once_and_in_range() {
        assert_eq!(weeks_of(None), Ok(Weeks::default()));
        assert_eq!(weeks_of(Some("")), Ok(Weeks::default()));
        assert_eq!(weeks_of(Some("other=1")), Ok(Weeks::default()));
        assert_eq!(weeks_of(Some("weeks=26")).map(Weeks::get), Ok(26));
        assert_eq!(weeks_of(Some("weeks=%32%36")).map(Weeks::get), Ok(26));
        let refused = weeks_of(Some("weeks=0")).expect_err("refused");
        assert!(
            refused.contains("from 1 to 52") && refused.contains("\u{201c}0\u{201d}"),
            "{refused}"
        );
        assert!(weeks_of(Some("weeks=abc")).is_err());
        assert!(weeks_of(Some("weeks=")).is_err());
        assert!(weeks_of(Some("weeks=53")).is_err());
        assert!(weeks_of(Some("weeks=4&weeks=12")).is_err());
    }
}

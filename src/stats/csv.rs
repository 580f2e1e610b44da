//! A report as CSV (RFC 4180: CRLF line ends, a field with a comma, quote or line break
//! quoted, its quotes doubled): a header row, then per week, oldest first, one row for
//! all models (`scope` `all`, `model` empty) and one per model with something that week
//! (`scope` `model`), by model name. Medians with nothing to take them of are empty.

use std::borrow::Cow;
use std::fmt::Write;

use super::{Figures, Report};

/// The header row's fields.
pub const HEADER: [&str; 12] = [
    "week_start",
    "iso_week",
    "scope",
    "model",
    "drafts_made",
    "approved_unchanged",
    "approved_with_edits",
    "median_edit_chars",
    "revised",
    "rejected",
    "no_reply_overturned",
    "median_seconds_to_approval",
];

/// The report as CSV text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    line(&mut out, HEADER.iter().map(|h| Cow::Borrowed(*h)));
    for week in &report.weeks {
        let start = week.start.format("%Y-%m-%d").to_string();
        let iso = week.start.format("%G-W%V").to_string();
        row(&mut out, &start, &iso, "all", "", &week.all);
        for (model, figures) in &week.by_model {
            row(&mut out, &start, &iso, "model", model, figures);
        }
    }
    out
}

fn row(out: &mut String, start: &str, iso: &str, scope: &str, model: &str, f: &Figures) {
    let edit = f.median_edit().map(|m| m.to_string()).unwrap_or_default();
    let seconds = f
        .median_time_to_approval()
        .map(|t| ((t.num_milliseconds() + 500) / 1000).to_string())
        .unwrap_or_default();
    let fields = [
        start.to_owned(),
        iso.to_owned(),
        scope.to_owned(),
        model.to_owned(),
        f.drafts_made.to_string(),
        f.approved_unchanged.to_string(),
        f.approved_edited.to_string(),
        edit,
        f.revised.to_string(),
        f.rejected.to_string(),
        f.no_reply_overturned.to_string(),
        seconds,
    ];
    line(out, fields.into_iter().map(Cow::Owned));
}

fn line<'a>(out: &mut String, fields: impl Iterator<Item = Cow<'a, str>>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", escape(&field));
    }
    out.push_str("\r\n");
}

/// A field as CSV writes it: quoted, with its quotes doubled, when it holds a comma, a
/// quote or a line break; as it is otherwise.
pub fn escape(field: &str) -> Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::stats::{Range, Week};

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        assert_eq!(escape("test/model"), "test/model");
        assert_eq!(escape("acme, fast"), "\"acme, fast\"");
        assert_eq!(escape("the \"fast\" one"), "\"the \"\"fast\"\" one\"");
        assert_eq!(escape("two\nlines"), "\"two\nlines\"");
        assert_eq!(escape("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn a_report_is_a_header_and_a_row_per_week_and_model() {
        let start = NaiveDate::from_ymd_opt(2026, 12, 28).expect("a date");
        let figures = Figures {
            drafts_made: 3,
            approved_unchanged: 1,
            approved_edited: 2,
            edit_sizes: vec![4, 9],
            approval_times_ms: vec![59_499, 60_000],
            ..Figures::default()
        };
        let report = Report {
            range: Range {
                first: start,
                count: 1,
            },
            weeks: vec![Week {
                start,
                all: figures.clone(),
                by_model: vec![("acme \"fast\", v2".to_owned(), figures.clone())],
            }],
            total: figures,
            models: Vec::new(),
        };
        assert_eq!(
            render(&report),
            "week_start,iso_week,scope,model,drafts_made,approved_unchanged,approved_with_edits,\
             median_edit_chars,revised,rejected,no_reply_overturned,median_seconds_to_approval\r\n\
             2026-12-28,2026-W53,all,,3,1,2,6.5,0,0,0,60\r\n\
             2026-12-28,2026-W53,model,\"acme \"\"fast\"\", v2\",3,1,2,6.5,0,0,0,60\r\n"
        );
    }
}

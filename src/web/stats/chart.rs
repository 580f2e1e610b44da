//! The page's chart as SVG geometry for the template: one stacked bar per week of the
//! drafts approved unchanged, approved with edits, revised and rejected.
//!
//! The drawing is 360 units wide, about a phone's width, so that its text reads at its
//! size there; the page lets it scale with the width (CSS), never past its column.

use crate::stats::{Figures, Report};

pub const WIDTH: f64 = 360.0;
pub const HEIGHT: f64 = 200.0;
const LEFT: f64 = 30.0;
/// Room for the current week's label, centred under the last bar.
const RIGHT: f64 = 16.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;
/// About the width of a week's label ("28 Dec"), so that labels never overlap.
const LABEL_WIDTH: f64 = 34.0;

/// The stacked series, bottom first: CSS class and what the legend calls it.
pub const SERIES: [(&str, &str); 4] = [
    ("chart-unchanged", "approved unchanged"),
    ("chart-edited", "approved with edits"),
    ("chart-revised", "revised after feedback"),
    ("chart-rejected", "rejected"),
];

fn counts(f: &Figures) -> [u32; 4] {
    [
        f.approved_unchanged,
        f.approved_edited,
        f.revised,
        f.rejected,
    ]
}

/// A chart ready to draw.
#[derive(Debug)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub plot_bottom: f64,
    pub segments: Vec<Segment>,
    pub ticks: Vec<Tick>,
    pub labels: Vec<Label>,
    /// What the chart shows, for readers who do not see it.
    pub desc: String,
}

/// One part of a week's bar.
#[derive(Debug)]
pub struct Segment {
    pub class: &'static str,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The tooltip: the week and the count.
    pub title: String,
}

/// A horizontal grid line with its value.
#[derive(Debug)]
pub struct Tick {
    pub y: f64,
    pub value: u32,
}

/// A week's label under its bar.
#[derive(Debug)]
pub struct Label {
    pub x: f64,
    pub text: String,
}

/// One decimal is plenty for a drawing this size, and keeps the markup short.
fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The distance between grid lines: 1, 2 or 5 times a power of ten, for at most four
/// steps up to `max`.
fn step_for(max: u32) -> u32 {
    let mut magnitude = 1u32;
    loop {
        for m in [1, 2, 5] {
            let step = magnitude.saturating_mul(m);
            if max.div_ceil(step) <= 4 || step == u32::MAX {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// The chart of a report; `None` when no draft was decided in its weeks.
pub fn chart(report: &Report) -> Option<Chart> {
    let max = report.weeks.iter().map(|w| w.all.decided()).max()?;
    if max == 0 {
        return None;
    }
    let step = step_for(max);
    let top = max.div_ceil(step).saturating_mul(step);
    let (plot_left, plot_right) = (LEFT, WIDTH - RIGHT);
    let plot_bottom = HEIGHT - BOTTOM;
    let scale = (plot_bottom - TOP) / f64::from(top);
    let slot = (plot_right - plot_left) / report.weeks.len() as f64;
    let bar = (slot * 0.7).min(28.0);
    // Label every week when there is room, otherwise every k-th, counting back from the
    // current week, which is always labelled.
    let every = (LABEL_WIDTH / slot).ceil().max(1.0) as usize;
    let last = report.weeks.len() - 1;
    let mut segments = Vec::new();
    let mut labels = Vec::new();
    for (i, week) in report.weeks.iter().enumerate() {
        let centre = plot_left + slot * (i as f64 + 0.5);
        let mut base = plot_bottom;
        for ((class, name), count) in SERIES.iter().zip(counts(&week.all)) {
            if count == 0 {
                continue;
            }
            let height = f64::from(count) * scale;
            base -= height;
            segments.push(Segment {
                class,
                x: round(centre - bar / 2.0),
                y: round(base),
                width: round(bar),
                height: round(height),
                title: format!("Week of {}: {count} {name}", week.start.format("%-d %b %Y")),
            });
        }
        if (last - i).is_multiple_of(every) {
            labels.push(Label {
                x: round(centre),
                text: week.start.format("%-d %b").to_string(),
            });
        }
    }
    let ticks = (0..=top / step)
        .map(|k| Tick {
            y: round(plot_bottom - f64::from(k * step) * scale),
            value: k * step,
        })
        .collect();
    Some(Chart {
        width: WIDTH,
        height: HEIGHT,
        plot_left,
        plot_right,
        plot_bottom,
        segments,
        ticks,
        labels,
        desc: describe(report),
    })
}

fn describe(report: &Report) -> String {
    let t = &report.total;
    let first = report.range.first.format("%-d %b %Y");
    let weeks = report.weeks.len();
    let plural = if weeks == 1 { "" } else { "s" };
    format!(
        "Stacked bars, one per week from the week of {first}, of the drafts approved \
         unchanged, approved with edits, revised after feedback and rejected. In the \
         {weeks} week{plural}: {} approved unchanged, {} approved with edits, {} revised, {} \
         rejected. The table below has every figure.",
        t.approved_unchanged, t.approved_edited, t.revised, t.rejected
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::stats::{Range, Week};

    fn report(decided: &[[u32; 4]]) -> Report {
        let first = NaiveDate::from_ymd_opt(2026, 11, 2).expect("a date");
        let range = Range {
            first,
            count: u32::try_from(decided.len()).expect("few weeks"),
        };
        let weeks = decided
            .iter()
            .zip(0..)
            .map(|(&[u, e, v, r], i)| Week {
                start: range.week(i),
                all: Figures {
                    approved_unchanged: u,
                    approved_edited: e,
                    revised: v,
                    rejected: r,
                    ..Figures::default()
                },
                by_model: Vec::new(),
            })
            .collect();
        Report {
            range,
            weeks,
            total: Figures::default(),
            models: Vec::new(),
        }
    }

    #[test]
    fn grid_steps_are_one_two_or_five_times_a_power_of_ten() {
        let steps: Vec<u32> = [1, 3, 4, 5, 8, 9, 17, 20, 21, 99, 1000, u32::MAX]
            .into_iter()
            .map(step_for)
            .collect();
        assert_eq!(steps, [1, 1, 1, 2, 2, 5, 5, 5, 10, 50, 500, 2_000_000_000]);
    }

    #[test]
    fn bars_stack_from_the_axis_in_proportion() {
        let chart = chart(&report(&[[2, 1, 0, 1], [0, 0, 0, 0]])).expect("a chart");
        // Four at most: grid lines at 0..4, the top one at the plot's top.
        let values: Vec<u32> = chart.ticks.iter().map(|t| t.value).collect();
        assert_eq!(values, [0, 1, 2, 3, 4]);
        assert_eq!(chart.ticks[4].y, TOP);
        let classes: Vec<&str> = chart.segments.iter().map(|s| s.class).collect();
        assert_eq!(
            classes,
            ["chart-unchanged", "chart-edited", "chart-rejected"]
        );
        let unit = (chart.plot_bottom - TOP) / 4.0;
        let [unchanged, edited, rejected] = &chart.segments[..] else {
            panic!("three segments");
        };
        assert_eq!(unchanged.height, round(2.0 * unit));
        assert_eq!(unchanged.y + unchanged.height, chart.plot_bottom);
        assert_eq!(edited.y + edited.height, unchanged.y);
        assert_eq!(rejected.y, TOP);
        assert_eq!(rejected.title, "Week of 2 Nov 2026: 1 rejected");
        assert!(chart.desc.contains("In the 2 weeks"), "{}", chart.desc);
    }

    #[test]
    fn labels_thin_out_but_the_current_week_keeps_its_own() {
        let few = chart(&report(&[[1, 0, 0, 0]; 4])).expect("a chart");
        assert_eq!(few.labels.len(), 4);
        let many = chart(&report(&[[1, 0, 0, 0]; 52])).expect("a chart");
        assert!(
            many.labels.len() < 52 && many.labels.len() >= 8,
            "{}",
            many.labels.len()
        );
        let last = many.labels.last().expect("labels");
        assert_eq!(last.text, "25 Oct");
        for pair in many.labels.windows(2) {
            assert!(pair[1].x - pair[0].x >= LABEL_WIDTH, "labels overlap");
        }
        // Every bar stays inside the drawing.
        for s in &many.segments {
            assert!(s.x >= LEFT && s.x + s.width <= WIDTH - RIGHT + 0.1, "{s:?}");
        }
    }

    #[test]
    fn nothing_decided_draws_no_chart() {
        assert!(chart(&report(&[[0, 0, 0, 0]; 3])).is_none());
    }
}

//! Slack and LinkedIn conversations copied from the browser. Both show a sender line with a
//! clock time and then the message lines, separated by day dividers, so they share one
//! reader; in LinkedIn mode it also sets aside the lines LinkedIn adds (see `paste::linkedin`),
//! and their scores differ.
//!
//! Sender lines: `Name  10:15 AM` (two or more spaces or a tab), `Name [10:15 AM]`,
//! `Name` followed by a line holding only the time, LinkedIn's
//! `Name sent the following message(s) at 10:15 AM`, and `Name 10:15 AM` with one space
//! once the name is known from another sender line. LinkedIn's `View Name's profile` lines
//! and a repeated name line right after its own header are skipped. Everything up to the
//! next sender line is one message, so consecutive messages shown without a new header are
//! grouped. Day dividers (`Today`, `Monday, November 24th`, `Nov 25, 2025`) only count as
//! such when a sender line follows them, so a message that says just "Today" stays text.
//! Messages above the first day divider are from an earlier, unknown day: they keep their
//! time label but get no timestamp (without any divider, times are on the reference day).

mod lines;

use std::collections::HashSet;

use chrono::NaiveDate;

use super::linkedin;
use super::text::{
    Ctx, Draft, clock_len, day_label, excerpt, find_clock, is_day_label, looks_like_name, stamp,
};
use lines::{Form, Kind, Lines};

/// Which app the copy comes from: LinkedIn mode also recognises LinkedIn's own lines.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Slack,
    LinkedIn,
}

/// `Name 10:15 AM` with a single space: only trusted for names seen in other sender lines.
fn single_space_header<'a>(line: &'a str, known: &HashSet<&str>) -> Option<(&'a str, &'a str)> {
    let t = line.trim();
    let (start, end) = find_clock(t)?;
    let name = t[..start].trim();
    (end == t.len() && known.contains(name) && clock_len(&t[start..]).is_some())
        .then_some((name, &t[start..]))
}

pub(super) struct Scores {
    pub slack: usize,
    pub linkedin: usize,
}

pub(super) fn score(lines: &[&str], ctx: &Ctx) -> Scores {
    let slack = Lines::read(lines, Mode::Slack, ctx);
    let linkedin = Lines::linkedin_from(&slack, ctx);
    Scores {
        slack: score_mode(&slack),
        linkedin: score_mode(&linkedin),
    }
}

fn score_mode(read: &Lines) -> usize {
    let (lines, mode) = (read.lines, read.mode);
    let (mut headers, mut bracketed, mut linkedin_marks, mut ordinals) = (0, 0, 0, 0);
    for (i, kind) in read.kinds.iter().enumerate() {
        match kind {
            Kind::Header { form, .. } => {
                headers += 1;
                match form {
                    Form::Bracketed => bracketed += 1,
                    Form::SentTheFollowing | Form::SpacedWithPronouns => linkedin_marks += 1,
                    Form::Spaced => {}
                }
            }
            Kind::Profile | Kind::Chrome => linkedin_marks += 1,
            Kind::Text => {
                if read.name_above_clock(i).is_some_and(looks_like_name) {
                    headers += 1;
                } else if lines[i].trim_end().ends_with(['h', 'd', 't'])
                    && lines[i].contains(',')
                    && is_day_label(lines[i])
                {
                    ordinals += 1;
                } else if mode == Mode::LinkedIn && linkedin::is_linkedin_day_label(lines[i]) {
                    linkedin_marks += 1;
                }
            }
            Kind::Blank | Kind::Clock => {}
        }
    }
    if headers == 0 {
        return 0;
    }
    match mode {
        Mode::Slack => headers * 6 + bracketed * 6 + ordinals * 2,
        Mode::LinkedIn => headers * 6 + linkedin_marks * 10,
    }
}

struct Reader<'c> {
    ctx: &'c mut Ctx,
    drafts: Vec<Draft>,
    day: Option<(String, NaiveDate)>,
    /// How many messages were read before the first day divider.
    before_first_day: Option<usize>,
}

impl Reader<'_> {
    fn header(&mut self, name: &str, time: &str, rest: &str) {
        let day = self.day.as_ref().map(|d| d.1);
        match self.drafts.last_mut() {
            Some(last) if last.sender == name && last.is_blank() => {
                if last.time.is_empty() && !time.is_empty() {
                    last.time = time.to_string();
                    last.timestamp = stamp(day, time, self.ctx.reference);
                }
            }
            _ => {
                let mut draft = Draft::new(name);
                draft.time = time.to_string();
                draft.date = self.day.as_ref().map(|d| d.0.clone()).unwrap_or_default();
                draft.timestamp = stamp(day, time, self.ctx.reference);
                self.drafts.push(draft);
            }
        }
        if !rest.is_empty()
            && let Some(last) = self.drafts.last_mut()
        {
            last.push_line(rest);
        }
    }

    fn day(&mut self, label: &str, day: NaiveDate) {
        self.before_first_day.get_or_insert(self.drafts.len());
        self.day = Some((label.to_string(), day));
    }
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx, mode: Mode) -> Vec<Draft> {
    let read = Lines::read(lines, mode, ctx);
    let kinds = &read.kinds;
    let mut known: HashSet<&str> = HashSet::new();
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Header { name, .. } => {
                known.insert(name);
            }
            // Directly under a header, `Thanks` above `10:30` is a reply, not a sender.
            Kind::Text if i == 0 || !matches!(kinds[i - 1], Kind::Clock | Kind::Header { .. }) => {
                if let Some(name) = read.name_above_clock(i)
                    && looks_like_name(name)
                {
                    known.insert(name);
                }
            }
            _ => {}
        }
    }
    let starts_message = |i: usize| -> bool {
        match kinds.get(i) {
            Some(Kind::Header { .. } | Kind::Profile) => true,
            Some(Kind::Text) => {
                read.name_above_clock(i).is_some_and(|n| known.contains(n))
                    || single_space_header(lines[i], &known).is_some()
            }
            _ => false,
        }
    };

    if let Some(name) = &read.participant {
        ctx.participant = Some(name.clone());
    }
    let mut reader = Reader {
        ctx,
        drafts: Vec::new(),
        day: None,
        before_first_day: None,
    };
    let mut skipped: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        match &kinds[i] {
            Kind::Header {
                name, time, rest, ..
            } => reader.header(name, time, rest),
            Kind::Profile | Kind::Chrome => {}
            Kind::Clock => match reader.drafts.last_mut() {
                Some(last) if last.is_blank() && last.time.is_empty() => {
                    let day = reader.day.as_ref().map(|d| d.1);
                    last.time = line.trim().to_string();
                    last.timestamp = stamp(day, &last.time, reader.ctx.reference);
                }
                Some(last) => last.push_line(line),
                None => skipped.get_or_insert((i + 1, 0)).1 += 1,
            },
            Kind::Blank => {
                if let Some(last) = reader.drafts.last_mut() {
                    last.push_line(line);
                }
            }
            Kind::Text => {
                // A header whose message is still empty is followed by its text, not by
                // another sender (unless it repeats the same name).
                let awaiting_text = reader.drafts.last().is_some_and(|d| {
                    d.is_blank() && d.sender != read.name_above_clock(i).unwrap_or(line.trim())
                });
                if let Some(name) = read
                    .name_above_clock(i)
                    .filter(|n| !awaiting_text && (known.contains(n) || looks_like_name(n)))
                {
                    reader.header(name, lines[i + 1].trim(), "");
                    i += 2;
                    continue;
                }
                if let Some((name, time)) = single_space_header(line, &known) {
                    reader.header(name, time, "");
                    i += 1;
                    continue;
                }
                let as_day = (line.split_whitespace().count() <= 6
                    && starts_message(read.next_content(i + 1)))
                .then(|| day_label(line, reader.ctx.reference))
                .flatten();
                if let Some(day) = as_day {
                    reader.day(line.trim(), day);
                    i += 1;
                    continue;
                }
                let name = line.trim();
                let previous_blank = i == 0 || matches!(kinds[i - 1], Kind::Blank);
                match reader.drafts.last_mut() {
                    Some(last) if last.sender == name && last.is_blank() => {}
                    _ if previous_blank && known.contains(name) => reader.header(name, "", ""),
                    Some(last) => last.push_line(line),
                    None => skipped.get_or_insert((i + 1, 0)).1 += 1,
                }
            }
        }
        i += 1;
    }
    let mut drafts = reader.drafts;
    // Their day is before the first divider's, and which one is not known: a reference-day
    // timestamp would sort them after the messages below them.
    if let Some(count) = reader.before_first_day {
        for draft in &mut drafts[..count] {
            draft.timestamp = None;
        }
    }
    if let (Some((first, count)), false) = (skipped, drafts.is_empty()) {
        let text = excerpt(lines[first - 1]);
        ctx.warn(
            first,
            format!(
                "{count} line(s) before the first sender were left out, starting with \"{text}\""
            ),
        );
    }
    drafts
}

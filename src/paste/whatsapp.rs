//! WhatsApp chat exports: `[25/11/2026, 14:03:12] Name: text` (iOS) and
//! `25/11/2026, 14:03 - Name: text` (Android), in 12- and 24-hour clocks.
//!
//! The order of day and month is not marked in an export, so it is inferred from the whole
//! paste: a first field above 12 means day-first, a second field above 12 means
//! month-first, and a paste that never tells is read day-first with a warning. Header lines
//! whose text has no `Name: ` are system notices and are skipped together with their
//! continuation lines.

use chrono::NaiveTime;

use crate::timestamp::{DayOrder, parse_numeric_date};

use super::text::{Ctx, Draft, clock, clock_len, excerpt, is_blank, split_name};

struct Header<'a> {
    date: &'a str,
    time: &'a str,
    first: u32,
    second: u32,
    rest: &'a str,
}

/// Reads `d/m/y` (or `.`/`-` separated) at the start: byte length and the first two fields.
fn numeric_date(text: &str) -> Option<(usize, u32, u32)> {
    let b = text.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n1 = digits(0);
    let sep = *b.get(n1)?;
    if !(1..=2).contains(&n1) || !matches!(sep, b'/' | b'.' | b'-') {
        return None;
    }
    let n2 = digits(n1 + 1);
    let at = n1 + 1 + n2;
    if !(1..=2).contains(&n2) || b.get(at) != Some(&sep) {
        return None;
    }
    let n3 = digits(at + 1);
    if n3 != 2 && n3 != 4 {
        return None;
    }
    let first = text[..n1].parse().ok()?;
    let second = text[n1 + 1..at].parse().ok()?;
    Some((at + 1 + n3, first, second))
}

fn header(line: &str) -> Option<Header<'_>> {
    let line = line.trim_start_matches(['\u{200e}', '\u{200f}', ' ']);
    let (bracketed, body) = match line.strip_prefix('[') {
        Some(body) => (true, body),
        None => (false, line),
    };
    let (date_len, first, second) = numeric_date(body)?;
    let date = &body[..date_len];
    let after_date = body[date_len..]
        .strip_prefix(',')
        .unwrap_or(&body[date_len..]);
    let time_text = after_date.trim_start_matches([' ', '\u{202f}', '\u{a0}']);
    let time_len = clock_len(time_text)?;
    let time = &time_text[..time_len];
    let after_time = &time_text[time_len..];
    let rest = if bracketed {
        after_time.strip_prefix(']')?
    } else {
        let trimmed = after_time.trim_start_matches([' ', '\u{202f}', '\u{a0}']);
        trimmed
            .strip_prefix('-')
            .or_else(|| trimmed.strip_prefix('–'))?
    };
    Some(Header {
        date,
        time,
        first,
        second,
        rest: rest.strip_prefix(' ').unwrap_or(rest),
    })
}

/// The sender part of a header's text, or `None` for a system notice such as
/// `Anna joined using this group's invite link`.
fn sender(rest: &str) -> Option<(&str, &str)> {
    let (name, text) = split_name(rest)?;
    let name = name.trim_matches(['\u{200e}', '\u{200f}']);
    let ok = !name.is_empty()
        && name.chars().count() <= 60
        && !name.contains(['"', '“', '”'])
        && !name.contains("://");
    ok.then_some((name, text))
}

/// Ten points per header line.
pub(super) fn score(lines: &[&str]) -> usize {
    lines.iter().filter(|l| header(l).is_some()).count() * 10
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx) -> Vec<Draft> {
    let mut drafts: Vec<Draft> = Vec::new();
    let mut in_system = false;
    let mut skipped: Option<(usize, usize)> = None;
    let (mut day_first_seen, mut month_first_seen) = (false, false);
    for (index, line) in lines.iter().enumerate() {
        if let Some(h) = header(line) {
            day_first_seen |= h.first > 12;
            month_first_seen |= h.second > 12;
            match sender(h.rest) {
                Some((name, text)) => {
                    let mut draft = Draft::new(name);
                    draft.date = h.date.to_string();
                    draft.time = h.time.to_string();
                    draft.push_line(text);
                    drafts.push(draft);
                    in_system = false;
                }
                None => in_system = true,
            }
            continue;
        }
        match drafts.last_mut() {
            _ if in_system => {}
            Some(draft) => draft.push_line(line),
            None if !is_blank(line) => skipped.get_or_insert((index + 1, 0)).1 += 1,
            None => {}
        }
    }
    if let (Some((first, count)), false) = (skipped, drafts.is_empty()) {
        let text = excerpt(lines[first - 1]);
        ctx.warn(
            first,
            format!(
                "{count} line(s) before the first message were left out, starting with \"{text}\""
            ),
        );
    }
    let order = if day_first_seen || !month_first_seen {
        DayOrder::DayFirst
    } else {
        DayOrder::MonthFirst
    };
    if !day_first_seen && !month_first_seen && !drafts.is_empty() {
        ctx.warn(
            0,
            "ambiguous date order: no day is above 12, so dates were read as day/month/year",
        );
    }
    for draft in &mut drafts {
        draft.timestamp = parse_numeric_date(&draft.date, order)
            .map(|day| day.and_time(clock(&draft.time).unwrap_or(NaiveTime::MIN)));
    }
    drafts
}

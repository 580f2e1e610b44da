//! The plain `Name: text` format, where lines that do not start a new message continue the
//! one above.
//!
//! Whether `Word: …` starts a message is decided per name over the whole paste: a name is a
//! sender if it is one of the user's names, or if it has a name's shape and either occurs
//! as a line prefix at least twice or looks like a proper name (capitalised, not a label
//! word such as "Note" or "PS"). Only the text before the first `: ` counts, so
//! `Anna: he said "Bob: hi"` is Anna's. Lines that start with whitespace always continue
//! the message above.

use std::collections::{HashMap, HashSet};

use super::text::{
    Ctx, Draft, excerpt, is_blank, looks_like_name, plausible_name, split_name,
    starts_with_label_word,
};

/// A continuation line that would read as a sender line; `render_plain` indents it by one
/// space and the parser takes that space away again.
pub(super) fn needs_guard(line: &str) -> bool {
    split_name(line.trim_start()).is_some()
}

fn senders<'a>(lines: &[&'a str], ctx: &Ctx) -> HashSet<&'a str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for line in lines {
        if let Some((name, _)) = split_name(line)
            && plausible_name(name)
        {
            *counts.entry(name).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|&(name, count)| {
            ctx.is_me(name)
                || (!starts_with_label_word(name) && (count >= 2 || looks_like_name(name)))
        })
        .map(|(name, _)| name)
        .collect()
}

/// Five points per sender line.
pub(super) fn score(lines: &[&str], ctx: &Ctx) -> usize {
    let senders = senders(lines, ctx);
    if senders.is_empty() {
        return 0;
    }
    lines
        .iter()
        .filter(|line| split_name(line).is_some_and(|(name, _)| senders.contains(name)))
        .count()
        * 5
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx) -> Vec<Draft> {
    let senders = senders(lines, ctx);
    let mut drafts: Vec<Draft> = Vec::new();
    let mut skipped: Option<(usize, usize)> = None;
    for (index, line) in lines.iter().enumerate() {
        if let Some((name, rest)) = split_name(line)
            && senders.contains(name)
        {
            let mut draft = Draft::new(name);
            draft.push_line(rest);
            drafts.push(draft);
            continue;
        }
        let line = if line.starts_with(' ') && needs_guard(line) {
            &line[1..]
        } else {
            line
        };
        match drafts.last_mut() {
            Some(draft) => draft.push_line(line),
            None if !is_blank(line) => {
                let entry = skipped.get_or_insert((index + 1, 0));
                entry.1 += 1;
            }
            None => {}
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

//! Email reply chains: the newest message on top, older ones below an
//! `On <date>, <name> <address> wrote:` attribution (quoted with `>`, nested as `> >`) or an
//! Outlook `From:`/`Sent:`/`To:`/`Subject:` block (often after `-----Original Message-----`).
//!
//! The chain is peeled from the top: the text above the first boundary is one message, the
//! boundary names the sender of what follows, one level of quoting is removed, and the rest
//! is read the same way. Messages come out oldest first. Signatures stay in the content.
//!
//! The top message's sender is known from a `From:` block above it. Without one, it is
//! worked out from the chain, since the user pastes both mail they received (to answer it)
//! and mail they sent:
//!
//! 1. signed with one of the user's names (`Best,` / `Anna`): the user's;
//! 2. the message below it is the user's (`On …, Anna Schmidt <…> wrote:`): a reply to the
//!    user, so the other side's;
//! 3. greeting one of the user's names (`Hi Anna,`): written to the user, the other side's;
//! 4. greeting someone else by name (`Hi Thomas,`): the user's;
//! 5. signed with another name: the other side's;
//! 6. otherwise the user's (a reply to whoever is quoted below).
//!
//! The user's message is sent by their first name (or "Me"). The other side's is sent by the
//! person in the chain whose name it is signed with, else by that signature name, else by
//! the newest other sender in the chain, else by whom the user's own message below greets,
//! else by "Them".

use super::salutation;
use super::text::{Ctx, Draft, day_label, is_blank, split_date_time, stamp};

#[derive(Default)]
struct Who {
    name: String,
    address: Option<String>,
    date: String,
    time: String,
    mine: bool,
}

fn unquote(line: &str) -> &str {
    let t = line.trim_start();
    match t.strip_prefix('>') {
        Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
        None => line,
    }
}

fn strip_all_quotes(line: &str) -> &str {
    line.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
}

/// The lines of the chain as seen at one quoting depth. Every boundary peels one level off
/// all the lines below it, so the depth is the same for all of them and is applied lazily:
/// copying or rewriting the remaining lines at every boundary would be quadratic.
struct View<'a> {
    lines: &'a [&'a str],
    depth: usize,
}

impl<'a> View<'a> {
    fn len(&self) -> usize {
        self.lines.len()
    }

    fn at(&self, i: usize) -> &'a str {
        let mut line = self.lines[i];
        for _ in 0..self.depth {
            let inner = unquote(line);
            if inner.len() == line.len() {
                break;
            }
            line = inner;
        }
        line
    }
}

fn is_marker(line: &str) -> bool {
    let t = line.trim();
    if !t.starts_with("--") {
        return false;
    }
    let inner = t.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let lower = inner.to_lowercase();
    matches!(
        lower.as_str(),
        "original message" | "forwarded message" | "ursprüngliche nachricht"
    )
}

/// `key: value` for the header keys of an Outlook block.
fn header_field(line: &str) -> Option<(String, &str)> {
    let t = line.trim().trim_start_matches('*');
    let colon = t.find(':')?;
    let key = t[..colon].trim_end_matches('*').trim().to_ascii_lowercase();
    let known = matches!(
        key.as_str(),
        "from" | "sent" | "date" | "to" | "cc" | "bcc" | "subject" | "importance" | "reply-to"
    );
    known.then(|| (key, t[colon + 1..].trim_start_matches('*').trim()))
}

fn starts_outlook_block(v: &View, at: usize) -> bool {
    let is_from = header_field(v.at(at)).is_some_and(|(k, _)| k == "from");
    is_from
        && (at + 1..v.len().min(at + 7))
            .filter_map(|i| header_field(v.at(i)))
            .any(|(k, _)| k == "sent" || k == "date")
}

/// `Anna Schmidt <anna@example.com>`, `"Schmidt, Anna" <anna@…>`, `Anna [mailto:anna@…]`
/// or a bare address.
fn person(raw: &str) -> (String, Option<String>) {
    let raw = raw.trim();
    let (name, address) = if let Some(open) = raw.rfind(['<', '[']) {
        let inner = raw[open + 1..].trim_end_matches(['>', ']']).trim();
        let inner = inner.strip_prefix("mailto:").unwrap_or(inner);
        (
            raw[..open].trim(),
            (!inner.is_empty()).then(|| inner.to_string()),
        )
    } else if raw.contains('@') && !raw.contains(' ') {
        ("", Some(raw.to_string()))
    } else {
        (raw, None)
    };
    let name = name.trim_matches(['"', '\'', ' ']).to_string();
    match (name.is_empty(), &address) {
        (true, Some(address)) => (address.clone(), Some(address.clone())),
        (true, None) => ("Unknown".to_string(), None),
        _ => (name, address),
    }
}

/// Reads the Outlook block starting at `at`; returns the sender and the first line after it.
fn outlook_block(v: &View, at: usize) -> (Who, usize) {
    let mut who = Who {
        name: "Unknown".to_string(),
        ..Who::default()
    };
    let mut i = at;
    while i < v.len() {
        let Some((key, value)) = header_field(v.at(i)) else {
            break;
        };
        match key.as_str() {
            "from" => (who.name, who.address) = person(value),
            "sent" | "date" => {
                let (date, time) = split_date_time(value);
                who.date = date.to_string();
                who.time = time.to_string();
            }
            _ => {}
        }
        i += 1;
    }
    (who, i)
}

/// An `On … wrote:` attribution at `at`, on one line or wrapped onto two; returns its text
/// and the first line after it.
fn attribution(v: &View, at: usize) -> Option<(String, usize)> {
    let first = v.at(at).trim();
    if !first.starts_with("On ") || first.len() > 400 {
        return None;
    }
    if first.ends_with("wrote:") {
        return Some((first.to_string(), at + 1));
    }
    let second = (at + 1 < v.len()).then(|| v.at(at + 1))?.trim();
    (second.ends_with("wrote:") && !second.starts_with('>') && second.len() < 200)
        .then(|| (format!("{first} {second}"), at + 2))
}

fn attribution_who(text: &str) -> Who {
    let inner = text
        .trim()
        .strip_prefix("On ")
        .unwrap_or(text)
        .trim_end_matches("wrote:")
        .trim()
        .trim_end_matches(',')
        .trim();
    let (date, time, person_text) = match super::text::find_clock(inner) {
        Some((_, end)) => {
            let (date, time) = split_date_time(&inner[..end]);
            let after = inner[end..].trim_start_matches([',', ' ']);
            (date, time, after)
        }
        None => match inner.rfind(", ") {
            Some(comma) => (&inner[..comma], "", &inner[comma + 2..]),
            None => ("", "", inner),
        },
    };
    let (name, address) = person(person_text);
    Who {
        name,
        address,
        date: date.to_string(),
        time: time.to_string(),
        mine: false,
    }
}

enum Boundary {
    Attribution(Who, usize),
    Outlook(Who, usize),
}

fn find_boundary(v: &View, from: usize) -> Option<(usize, Boundary)> {
    for i in from..v.len() {
        if is_marker(v.at(i)) {
            let mut next = i + 1;
            while next < v.len() && is_blank(v.at(next)) {
                next += 1;
            }
            let (who, end) = outlook_block(v, next);
            return Some((i, Boundary::Outlook(who, end.max(i + 1))));
        }
        if starts_outlook_block(v, i) {
            let (who, end) = outlook_block(v, i);
            return Some((i, Boundary::Outlook(who, end.max(i + 1))));
        }
        if let Some((text, end)) = attribution(v, i) {
            return Some((i, Boundary::Attribution(attribution_who(&text), end)));
        }
    }
    None
}

/// Twenty points per reply boundary, plus a point per quoted line once there is one.
pub(super) fn score(lines: &[&str]) -> usize {
    let unquoted: Vec<&str> = lines.iter().map(|l| strip_all_quotes(l)).collect();
    let v = View {
        lines: &unquoted,
        depth: 0,
    };
    let mut boundaries = 0;
    for i in 0..v.len() {
        if is_marker(v.at(i)) || starts_outlook_block(&v, i) || attribution(&v, i).is_some() {
            boundaries += 1;
        }
    }
    if boundaries == 0 {
        return 0;
    }
    let quoted = lines
        .iter()
        .filter(|l| l.trim_start().starts_with('>'))
        .count();
    boundaries * 20 + quoted
}

fn draft(who: &Who, v: &View, content: std::ops::Range<usize>, ctx: &Ctx) -> Draft {
    let mut draft = Draft::new(&who.name);
    draft.address = who.address.clone();
    draft.date = who.date.clone();
    draft.time = who.time.clone();
    draft.mine = who.mine;
    let day = day_label(&who.date, ctx.reference);
    // A date that is there but unreadable must not silently become the reference day.
    if who.date.trim().is_empty() || day.is_some() {
        draft.timestamp = stamp(day, &who.time, ctx.reference);
    }
    for i in content {
        draft.push_line(v.at(i));
    }
    draft
}

pub(super) fn parse(lines: &[&str], ctx: &mut Ctx) -> Vec<Draft> {
    let mut who = Who {
        name: ctx
            .first_my_name
            .clone()
            .unwrap_or_else(|| "Me".to_string()),
        mine: true,
        ..Who::default()
    };
    let mut v = View { lines, depth: 0 };
    let mut drafts = Vec::new();
    let mut base = 0;
    let mut headerless_top = false;
    loop {
        let mut start = (base..v.len())
            .find(|&i| !is_blank(v.at(i)))
            .unwrap_or(v.len());
        let top = base == 0;
        if top && start < v.len() && starts_outlook_block(&v, start) {
            let (header_who, end) = outlook_block(&v, start);
            who = header_who;
            start = end;
        }
        let boundary = find_boundary(&v, start);
        let end = boundary.as_ref().map_or(v.len(), |(at, _)| *at);
        let content = start.min(end)..end;
        if content.clone().any(|i| !is_blank(v.at(i))) {
            if top {
                headerless_top = who.mine;
            }
            drafts.push(draft(&who, &v, content, ctx));
        }
        let Some((_, boundary)) = boundary else {
            break;
        };
        let (next_who, rest_from, quoted) = match boundary {
            Boundary::Attribution(w, end) => (w, end, true),
            // Outlook does not quote, but a block copied from inside a quote still is.
            Boundary::Outlook(w, end) => {
                let first_text = (end..v.len()).map(|i| v.at(i)).find(|l| !is_blank(l));
                (
                    w,
                    end,
                    first_text.is_some_and(|l| l.trim_start().starts_with('>')),
                )
            }
        };
        who = next_who;
        base = rest_from.min(v.len());
        if quoted {
            v.depth += 1;
        }
    }
    if headerless_top {
        attribute_top(&mut drafts, ctx);
    }
    ctx.participant = drafts
        .iter()
        .find(|d| !is_mine(d, ctx) && d.sender != "Unknown")
        .map(|d| d.sender.clone());
    drafts.reverse();
    drafts
}

fn is_mine(draft: &Draft, ctx: &Ctx) -> bool {
    draft.mine || ctx.is_me(&draft.sender) || draft.address.as_deref().is_some_and(|a| ctx.is_me(a))
}

/// `Thomas` signs for `Thomas Berger` and for `thomas.berger@example.org`.
fn signs_for(signature: &str, sender: &str) -> bool {
    let signature = signature.to_lowercase();
    let sender = sender.to_lowercase();
    let first_word = sender.split_whitespace().next().unwrap_or("");
    let local_part = sender.split_once('@').map_or("", |(local, _)| {
        local.split(['.', '_', '-']).next().unwrap_or("")
    });
    sender == signature || first_word == signature || local_part == signature
}

/// Decides who wrote the top message, which has no header of its own (newest first in
/// `drafts`; see the module comment for the rules).
fn attribute_top(drafts: &mut [Draft], ctx: &Ctx) {
    let Some((top, older)) = drafts.split_first_mut() else {
        return;
    };
    let lines: Vec<&str> = top.content.lines().collect();
    let signature = salutation::signed(&lines);
    let greeted = salutation::greeted(&lines);
    let below_is_mine = older.first().is_some_and(|d| is_mine(d, ctx));
    let mine = match signature {
        Some(name) if ctx.is_me_loosely(name) => true,
        _ if below_is_mine => false,
        _ if greeted.iter().any(|n| ctx.is_me_loosely(n)) => false,
        _ if !greeted.is_empty() => true,
        Some(_) => false,
        None => true,
    };
    if mine {
        return;
    }
    let others: Vec<&Draft> = older
        .iter()
        .filter(|d| !is_mine(d, ctx) && d.sender != "Unknown")
        .collect();
    let (sender, address) = match signature {
        Some(signature) => others
            .iter()
            .find(|d| {
                signs_for(signature, &d.sender)
                    || d.address
                        .as_deref()
                        .is_some_and(|a| signs_for(signature, a))
            })
            .map_or((signature.to_string(), None), |d| {
                (d.sender.clone(), d.address.clone())
            }),
        None => match others.first() {
            Some(d) => (d.sender.clone(), d.address.clone()),
            None => {
                let greeted_by_me = older.iter().find(|d| is_mine(d, ctx)).and_then(|d| {
                    let lines: Vec<&str> = d.content.lines().collect();
                    salutation::greeted(&lines).first().map(|n| n.to_string())
                });
                (greeted_by_me.unwrap_or_else(|| "Them".to_string()), None)
            }
        },
    };
    top.sender = sender;
    top.address = address;
    top.mine = false;
}

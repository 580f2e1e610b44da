//! Edits teach: how an approved text differs from its draft, and the note proposed when
//! the same kind of edit keeps coming back. A proposal is only shown; the user accepts
//! or dismisses it.

use crate::db::draft_edits::{self, EditKinds, NewEdit, RecentEdit};
use crate::db::drafts::Draft;
use crate::db::note_proposals::{self, EditKind, NewProposal, Proposal};
use crate::db::{EditId, Timestamp, Tx, UserId};

/// Proposals look at the user's newest edited approvals, this many…
pub const WINDOW: usize = 10;
/// …and propose a kind of edit seen in at least this many of them.
pub const THRESHOLD: usize = 3;
/// A text cut by at least this much (beyond a removed greeting or sign-off) counts as
/// shortened.
pub const SHORTENED_PCT: i64 = 20;

/// Every kind a proposal can come from, in the order they are checked.
const KINDS: [EditKind; 4] = [
    EditKind::Greeting,
    EditKind::SignOff,
    EditKind::Emojis,
    EditKind::Shortened,
];

/// Words a greeting starts with, lower-case.
const GREETINGS: &[&str] = &[
    "good afternoon",
    "good evening",
    "good morning",
    "greetings",
    "hello",
    "hallo",
    "hiya",
    "hola",
    "howdy",
    "hey",
    "dear",
    "morning",
    "bonjour",
    "hi",
];

/// Lines that close a message, lower-case and without their punctuation.
const SIGN_OFFS: &[&str] = &[
    "all the best",
    "best",
    "best regards",
    "best wishes",
    "br",
    "bye",
    "cheers",
    "greetings",
    "kind regards",
    "many thanks",
    "regards",
    "see you",
    "sincerely",
    "speak soon",
    "take care",
    "talk soon",
    "thank you",
    "thanks",
    "thanks again",
    "warm regards",
    "warmly",
    "with best regards",
    "yours",
    "yours sincerely",
    "yours truly",
    "liebe grüße",
    "viele grüße",
];

/// How `final_text` differs from `draft`; `None` when it does not (beyond white space).
pub fn classify(draft: &str, final_text: &str) -> Option<EditKinds> {
    let final_flat = flatten(final_text);
    if flatten(draft) == final_flat {
        return None;
    }
    let mut rest = draft;
    let greeting_removed = match greeting_end(draft) {
        Some(end) if greeting_end(final_text).is_none() => {
            rest = &rest[end..];
            true
        }
        _ => false,
    };
    let sign_off_removed = match sign_off_start(rest) {
        Some(start) if sign_off_start(final_text).is_none() => {
            rest = &rest[..start];
            true
        }
        _ => false,
    };
    let emojis_removed = has_emoji(draft) && !has_emoji(final_text);
    let rest = if emojis_removed {
        rest.chars().filter(|c| !is_emoji(*c)).collect()
    } else {
        rest.to_owned()
    };
    let rest_flat = flatten(&rest);
    let (before, after) = (
        rest_flat.chars().count() as i64,
        final_flat.chars().count() as i64,
    );
    let shortened_pct = if before > 0 && after < before {
        (before - after) * 100 / before
    } else {
        0
    };
    Some(EditKinds {
        greeting_removed,
        sign_off_removed,
        emojis_removed,
        shortened_pct,
        other: rest_flat != final_flat && shortened_pct < SHORTENED_PCT,
    })
}

/// The text with every run of white space as one space, trimmed.
fn flatten(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the greeting a text opens with ends (a byte index), if it opens with one: at
/// the first comma, "!", ":" or dash of the first line, or the first line itself when
/// it is short and more follows, or else after the greeting word.
fn greeting_end(text: &str) -> Option<usize> {
    let start = text.len() - text.trim_start().len();
    let body = &text[start..];
    let word = GREETINGS.iter().find_map(|greeting| {
        let head = body.get(..greeting.len())?;
        let next = body[greeting.len()..].chars().next();
        (head.eq_ignore_ascii_case(greeting) && !next.is_some_and(char::is_alphanumeric))
            .then_some(greeting.len())
    })?;
    let line_end = body.find('\n').unwrap_or(body.len());
    let line = &body[..line_end];
    let end = match line.find([',', '!', ':', '\u{2014}', '\u{2013}']) {
        Some(at) if line[..at].chars().count() <= 40 => at + 1,
        _ if line.chars().count() <= 40 && line_end < body.len() => line_end,
        _ => word,
    };
    Some(start + end)
}

/// Where the sign-off a text closes with starts (a byte index), if it has one: a
/// closing line ("Best,", "Thanks!"), or one followed by a name ("Best,\nJo"), or both
/// on one line ("Cheers, Jo"). A text of one line has none: it is all message.
fn sign_off_start(text: &str) -> Option<usize> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len();
            Some((start, line))
        })
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let [.., (prev_at, prev), (last_at, last)] = lines.as_slice() else {
        return None;
    };
    let last = last.trim();
    if is_sign_off(last) {
        return Some(*last_at);
    }
    if is_sign_off(prev.trim()) && is_name(last) {
        return Some(*prev_at);
    }
    match last.split_once(',') {
        Some((closing, name)) if is_sign_off(closing) && is_name(name.trim()) => Some(*last_at),
        _ => None,
    }
}

fn is_sign_off(line: &str) -> bool {
    let bare = line
        .trim_end_matches(|c: char| matches!(c, ',' | '.' | '!') || c.is_whitespace())
        .to_lowercase();
    SIGN_OFFS.contains(&bare.as_str())
}

/// A signature: one to three words, no sentence in it ("Jo", "J.", "Anna Schmidt").
fn is_name(line: &str) -> bool {
    let line = line.trim_start_matches(['-', '\u{2014}', '\u{2013}', ' ']);
    let words = line.split_whitespace().count();
    (1..=3).contains(&words)
        && line.chars().count() <= 40
        && !line.contains(['?', '!', ','])
        && line.chars().next().is_some_and(char::is_alphabetic)
}

fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

fn has_emoji(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF))
}

/// Whether an edit is of `kind`.
fn is_kind(kinds: &EditKinds, kind: EditKind) -> bool {
    match kind {
        EditKind::Greeting => kinds.greeting_removed,
        EditKind::SignOff => kinds.sign_off_removed,
        EditKind::Emojis => kinds.emojis_removed,
        EditKind::Shortened => kinds.shortened_pct >= SHORTENED_PCT,
    }
}

/// The proposals due after an edit: each kind seen in at least [`THRESHOLD`] of the
/// `recent` edits (newest first, at most [`WINDOW`]), counting only edits newer than
/// the last proposal of that kind counted (`counted_through`), unless the kind is
/// `settled` (a proposal of it is open, or its accepted note is in force).
pub fn due(
    recent: &[RecentEdit],
    counted_through: &[(EditKind, EditId)],
    settled: &[EditKind],
) -> Vec<NewProposal> {
    let Some(newest) = recent.first() else {
        return Vec::new();
    };
    let recent = &recent[..recent.len().min(WINDOW)];
    KINDS
        .into_iter()
        .filter(|kind| !settled.contains(kind))
        .filter_map(|kind| {
            let mark = counted_through
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, id)| *id);
            let matching: Vec<&RecentEdit> = recent
                .iter()
                .filter(|e| mark.is_none_or(|m| e.id > m) && is_kind(&e.kinds, kind))
                .collect();
            (matching.len() >= THRESHOLD).then(|| NewProposal {
                kind,
                text: proposal_text(kind, &matching),
                seen: matching.len() as i64,
                out_of: recent.len() as i64,
                through_edit_id: newest.id,
            })
        })
        .collect()
}

/// The note a proposal offers.
fn proposal_text(kind: EditKind, matching: &[&RecentEdit]) -> String {
    match kind {
        EditKind::Greeting => "Leave out the greeting.".to_owned(),
        EditKind::SignOff => "Leave out the sign-off.".to_owned(),
        EditKind::Emojis => "Don't use emojis.".to_owned(),
        EditKind::Shortened => {
            let mut cuts: Vec<i64> = matching.iter().map(|e| e.kinds.shortened_pct).collect();
            cuts.sort_unstable();
            let median = cuts.get(cuts.len() / 2).copied().unwrap_or(SHORTENED_PCT);
            format!("Keep replies shorter: your recent drafts were cut by about {median}%.")
        }
    }
}

/// Why a proposal is made, as the user reads it.
pub fn evidence(proposal: &Proposal) -> String {
    let what = match proposal.kind {
        EditKind::Greeting => "removed the greeting",
        EditKind::SignOff => "removed the sign-off",
        EditKind::Emojis => "removed the emojis",
        EditKind::Shortened => "cut the text by a fifth or more",
    };
    format!(
        "You {what} in {} of your last {} edited approvals.",
        proposal.seen, proposal.out_of
    )
}

/// Keeps how an approved text differs from its draft, and proposes a note when that
/// kind of edit recurs; in the approval's transaction. Nothing happens when the text
/// was not changed.
pub async fn record(
    tx: &mut Tx,
    user_id: UserId,
    draft: &Draft,
    final_text: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let Some(kinds) = classify(&draft.content, final_text) else {
        return Ok(());
    };
    let edit = NewEdit {
        user_id,
        draft_id: draft.id,
        draft_chars: draft.content.chars().count() as i64,
        final_chars: final_text.chars().count() as i64,
        kinds,
    };
    if draft_edits::insert(tx.exec(), &edit, now).await?.is_none() {
        return Ok(());
    }
    let recent = draft_edits::recent(tx.exec(), user_id, WINDOW as i64).await?;
    let counted = note_proposals::counted_through(tx.exec(), user_id).await?;
    let settled = note_proposals::settled_kinds(tx.exec(), user_id).await?;
    for proposal in due(&recent, &counted, &settled) {
        note_proposals::insert_open(tx.exec(), user_id, &proposal, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAFT: &str =
        "Hi Anna,\n\nTuesday at 10 works for me. I will bring the deck.\n\nBest,\nJo";

    fn kinds(draft: &str, final_text: &str) -> EditKinds {
        classify(draft, final_text).expect("an edit")
    }

    #[test]
    fn an_unchanged_text_is_no_edit() {
        assert_eq!(classify(DRAFT, DRAFT), None);
        assert_eq!(classify(DRAFT, &DRAFT.replace("\n\n", "\n  \n")), None);
    }

    #[test]
    fn a_removed_greeting_is_only_that() {
        let edit = kinds(
            DRAFT,
            "Tuesday at 10 works for me. I will bring the deck.\n\nBest,\nJo",
        );
        assert_eq!(
            edit,
            EditKinds {
                greeting_removed: true,
                ..EditKinds::default()
            }
        );
        // A greeting in the same line as the message.
        let edit = kinds("Hello Bob! See you at 3.", "See you at 3.");
        assert!(edit.greeting_removed && !edit.other, "{edit:?}");
        // A changed greeting is not a removed one.
        let edit = kinds(DRAFT, &DRAFT.replace("Hi Anna,", "Dear Anna,"));
        assert!(!edit.greeting_removed && edit.other, "{edit:?}");
        // "Hiring" does not start with a greeting.
        assert_eq!(greeting_end("Hiring is slow."), None);
    }

    #[test]
    fn a_removed_sign_off_with_or_without_a_name_is_only_that() {
        let edit = kinds(
            DRAFT,
            "Hi Anna,\n\nTuesday at 10 works for me. I will bring the deck.",
        );
        assert_eq!(
            edit,
            EditKinds {
                sign_off_removed: true,
                ..EditKinds::default()
            }
        );
        let edit = kinds("See you there.\nThanks!", "See you there.");
        assert!(edit.sign_off_removed && !edit.other, "{edit:?}");
        let edit = kinds("See you there.\nCheers, Jo", "See you there.");
        assert!(edit.sign_off_removed && !edit.other, "{edit:?}");
        // A one-line message that is all thanks has no sign-off to remove.
        assert_eq!(sign_off_start("Thanks!"), None);
        // A last line that is a sentence is not a sign-off.
        assert_eq!(sign_off_start("Hi.\nThanks for the deck, it helps."), None);
    }

    #[test]
    fn greeting_and_sign_off_removed_together_are_both_kept() {
        let edit = kinds(DRAFT, "Tuesday at 10 works for me. I will bring the deck.");
        assert_eq!(
            edit,
            EditKinds {
                greeting_removed: true,
                sign_off_removed: true,
                ..EditKinds::default()
            }
        );
    }

    #[test]
    fn removed_emojis_are_seen() {
        let edit = kinds("Great, see you then! 😊🎉", "Great, see you then!");
        assert!(edit.emojis_removed && !edit.other, "{edit:?}");
    }

    #[test]
    fn a_cut_text_is_shortened_by_how_much() {
        let edit = kinds(
            "Hi Anna,\n\nTuesday at 10 works for me. I will bring the deck and the figures from last quarter.\n\nBest,\nJo",
            "Hi Anna,\n\nTuesday at 10 works for me.\n\nBest,\nJo",
        );
        assert!(!edit.greeting_removed && !edit.sign_off_removed);
        assert!(edit.shortened_pct >= 50, "{edit:?}");
        assert!(!edit.other, "a cut is not another kind of change");
        // Removing only the greeting does not count as shortening the rest.
        let edit = kinds(DRAFT, &DRAFT.replacen("Hi Anna,\n\n", "", 1));
        assert_eq!(edit.shortened_pct, 0);
    }

    #[test]
    fn rewritten_words_are_other() {
        let edit = kinds(DRAFT, &DRAFT.replace("Tuesday at 10", "Wednesday at 11"));
        assert_eq!(
            edit,
            EditKinds {
                other: true,
                ..EditKinds::default()
            }
        );
        let edit = kinds("See you.", "See you at the station at noon, by the clock.");
        assert!(edit.other && edit.shortened_pct == 0, "{edit:?}");
    }

    fn edit(id: i64, greeting: bool) -> RecentEdit {
        RecentEdit {
            id: EditId::new(id),
            kinds: EditKinds {
                greeting_removed: greeting,
                other: !greeting,
                ..EditKinds::default()
            },
        }
    }

    /// Newest first, as `draft_edits::recent` gives them: `pattern[0]` is the newest.
    fn history(pattern: &[bool]) -> Vec<RecentEdit> {
        let n = pattern.len() as i64;
        pattern
            .iter()
            .enumerate()
            .map(|(i, g)| edit(n - i as i64, *g))
            .collect()
    }

    #[test]
    fn three_of_the_last_ten_make_a_proposal_and_two_do_not() {
        let two = history(&[true, false, false, true, false]);
        assert!(due(&two, &[], &[]).is_empty());
        let three = history(&[
            true, false, false, true, false, false, false, false, true, false,
        ]);
        let proposals = due(&three, &[], &[]);
        assert_eq!(proposals.len(), 1);
        assert_eq!(proposals[0].kind, EditKind::Greeting);
        assert_eq!(proposals[0].text, "Leave out the greeting.");
        assert_eq!(
            (proposals[0].seen, proposals[0].out_of),
            (3, 10),
            "the evidence"
        );
        assert_eq!(proposals[0].through_edit_id, EditId::new(10));
    }

    #[test]
    fn only_the_last_ten_count() {
        // The third greeting is the eleventh edit back.
        let mut pattern = vec![true, true];
        pattern.extend([false; 8]);
        pattern.push(true);
        assert!(due(&history(&pattern), &[], &[]).is_empty());
    }

    #[test]
    fn after_a_proposal_only_newer_edits_count_and_a_settled_kind_waits() {
        let three = history(&[true, true, true]);
        let counted = [(EditKind::Greeting, EditId::new(3))];
        assert!(due(&three, &counted, &[]).is_empty());
        assert!(due(&three, &[], &[EditKind::Greeting]).is_empty());
        let six = history(&[true, true, true, true, true, true]);
        let proposals = due(&six, &counted, &[]);
        assert_eq!(proposals.len(), 1, "it recurred anew");
        assert_eq!(proposals[0].seen, 3);
    }

    #[test]
    fn a_shortening_proposal_says_by_how_much() {
        let cut = |id, pct| RecentEdit {
            id: EditId::new(id),
            kinds: EditKinds {
                shortened_pct: pct,
                ..EditKinds::default()
            },
        };
        let recent = [cut(4, 60), cut(3, 10), cut(2, 30), cut(1, 40)];
        let proposals = due(&recent, &[], &[]);
        assert_eq!(proposals.len(), 1);
        assert_eq!(
            proposals[0].text,
            "Keep replies shorter: your recent drafts were cut by about 40%."
        );
    }
}

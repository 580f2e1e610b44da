//! How much a reviewer changed a draft before approving it.
//!
//! The edit size is the number of characters removed plus the number added: the fewest
//! such single-character changes that turn the draft into the approved text, that is
//! `len(draft) + len(approved) - 2 * LCS`, where LCS is the length of their longest common
//! subsequence of characters. Removing "Hi Bob, " is 8; "Tuesday" to "Thursday" is 3
//! (remove "e", add "h" and "r"). Both texts are compared with their line endings made
//! alike and the space around them dropped ([`normalized`]): a browser sends a text box's
//! line breaks as CRLF and the pages trim what they send, and neither is an edit.

use std::collections::HashMap;

/// The text as compared: CRLF and CR line endings as LF, without leading or trailing
/// whitespace.
pub fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .trim()
        .to_owned()
}

/// Whether the approved text differs from the draft (as [`normalized`] text).
pub fn is_edited(draft: &str, approved: &str) -> bool {
    normalized(draft) != normalized(approved)
}

/// Characters removed plus characters added between the draft and the approved text (as
/// [`normalized`] text); 0 when they are the same.
pub fn edit_size(draft: &str, approved: &str) -> usize {
    let a: Vec<char> = normalized(draft).chars().collect();
    let b: Vec<char> = normalized(approved).chars().collect();
    chars_changed(&a, &b)
}

fn chars_changed(a: &[char], b: &[char]) -> usize {
    // What both begin and end with is common to them: only the middle needs comparing.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    a.len() + b.len() - 2 * lcs_len(a, b)
}

/// The length of the longest common subsequence of `a` and `b`, bit-parallel (Allison
/// and Dix; Hyyrö, "Bit-parallel LCS-length computation revisited", 2004).
///
/// The shorter text is a vector `V` of one bit per character (in 64-bit words), all
/// ones at first. Each character `c` of the longer one updates it as
/// `V = (V + (V & M[c])) | (V & !M[c])`, where `M[c]` has a bit set where the shorter
/// text has `c`; at the end the LCS is the number of zero bits. `M` is kept sparse (the
/// words where `c` occurs), so memory grows with the text, not with text times alphabet,
/// and a character touches only its words and the carries they start.
fn lcs_len(a: &[char], b: &[char]) -> usize {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return 0;
    }
    let words = short.len().div_ceil(64);
    // For each character: (word, bits) for the words where it occurs, in word order.
    let mut masks: HashMap<char, Vec<(usize, u64)>> = HashMap::new();
    for (i, &c) in short.iter().enumerate() {
        let entries = masks.entry(c).or_default();
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        match entries.last_mut() {
            Some((w, bits)) if *w == word => *bits |= bit,
            _ => entries.push((word, bit)),
        }
    }
    // Padding bits above `short.len()` stay ones: the masks are zero there.
    let mut v = vec![u64::MAX; words];
    for c in long {
        let Some(entries) = masks.get(c) else {
            continue;
        };
        let mut next = entries.iter().peekable();
        let mut carry = false;
        let mut k = entries[0].0;
        while k < words {
            let m = match next.peek() {
                Some(&&(w, bits)) if w == k => {
                    next.next();
                    bits
                }
                _ => 0,
            };
            if m == 0 && !carry {
                // Nothing changes in this word: go on at the next one with a match.
                match next.peek() {
                    Some(&&(w, _)) => {
                        k = w;
                        continue;
                    }
                    None => break,
                }
            }
            let vk = v[k];
            let (sum, c1) = vk.overflowing_add(vk & m);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            carry = c1 || c2;
            v[k] = sum | (vk & !m);
            k += 1;
        }
    }
    v.iter().map(|w| w.count_zeros() as usize).sum()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The textbook dynamic programme, to check the bit-parallel one against.
    fn lcs_naive(a: &[char], b: &[char]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for x in a {
            let mut diagonal = 0;
            for (j, y) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = if x == y {
                    diagonal + 1
                } else {
                    above.max(row[j])
                };
                diagonal = above;
            }
        }
        row[b.len()]
    }

    #[test]
    fn edit_sizes_count_characters_removed_and_added() {
        assert_eq!(edit_size("Hi Bob, see you Tuesday.", "see you Tuesday."), 8);
        assert_eq!(edit_size("Tuesday", "Thursday"), 3);
        assert_eq!(
            edit_size("Best, Anna", "Best, Anna\nP.S. the deck is attached"),
            26
        );
        assert_eq!(edit_size("abc", "xyz"), 6);
        assert_eq!(edit_size("", "Hello"), 5);
        assert_eq!(edit_size("Hello", ""), 5);
        // Characters, not bytes.
        assert_eq!(edit_size("Grüße, Anna", "Grüsse, Anna"), 3);
        assert_eq!(edit_size("שלום", "שלום!"), 1);
    }

    #[test]
    fn line_endings_and_surrounding_space_are_no_edit() {
        let draft = "Hi Bob,\nTuesday works.\n\nBest, Anna\n";
        let from_a_browser = "Hi Bob,\r\nTuesday works.\r\n\r\nBest, Anna";
        assert!(!is_edited(draft, from_a_browser));
        assert_eq!(edit_size(draft, from_a_browser), 0);
        assert!(!is_edited("  same  ", "same"));
        assert!(is_edited("Hi Bob,\nTuesday", "Hi Bob, Tuesday"));
        assert_eq!(edit_size("Hi Bob,\nTuesday", "Hi Bob, Tuesday"), 2);
    }

    #[test]
    fn long_texts_cross_word_boundaries() {
        let draft: String = "The quick brown fox jumps over the lazy dog. ".repeat(40);
        let mut approved = draft.replace("lazy", "sleepy");
        approved.insert_str(0, "Hello! ");
        let (a, b): (Vec<char>, Vec<char>) = (draft.chars().collect(), approved.chars().collect());
        assert_eq!(
            edit_size(&draft, &approved),
            a.len() + b.len() - 2 * lcs_naive(&a, &b)
        );
        // A text compared with itself shifted by one character.
        let shifted = format!("x{draft}");
        assert_eq!(edit_size(&draft, &shifted), 1);
    }

    proptest! {
        #[test]
        fn the_bit_parallel_lcs_agrees_with_the_textbook_one(
            a in proptest::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'é', '🙂', ' ']), 0..300),
            b in proptest::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'é', '🙂', ' ']), 0..300),
        ) {
            prop_assert_eq!(lcs_len(&a, &b), lcs_naive(&a, &b));
            prop_assert_eq!(chars_changed(&a, &b), a.len() + b.len() - 2 * lcs_naive(&a, &b));
        }

        #[test]
        fn any_text_agrees_with_the_textbook_lcs(a in ".{0,150}", b in ".{0,150}") {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            prop_assert_eq!(lcs_len(&a, &b), lcs_naive(&a, &b));
        }
    }
}

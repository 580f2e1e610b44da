//! Input limits and parsing shared by the API and the pages, so that both take and
//! refuse the same things.

/// Thread names, sender names, message and draft ids, `user_id` aliases.
pub const MAX_NAME: usize = 200;
/// Date and time labels as a client shows them.
pub const MAX_LABEL: usize = 100;
/// A message's text, and a draft's final text.
pub const MAX_CONTENT: usize = 100_000;
/// Feedback on a draft (also the most that queued feedback on one draft may add up to).
pub const MAX_FEEDBACK: usize = 10_000;
/// One style note.
pub const MAX_NOTE: usize = 1_000;
/// An account's name (the API's `user_id`).
pub const MAX_ACCOUNT_NAME: usize = 100;
/// One of the names a user appears under in conversations.
pub const MAX_MY_NAME: usize = 100;

/// The names a user appears under, as typed in Settings or on the New thread page: one
/// per line or separated by commas, trimmed, each at most [`MAX_MY_NAME`] characters,
/// each once (compared without regard to case), in the order given.
pub fn my_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let name: String = name.chars().take(MAX_MY_NAME).collect();
        if !names
            .iter()
            .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_trimmed_capped_and_kept_once() {
        assert_eq!(
            my_names(" Anna Schmidt, anna\n\nANNA SCHMIDT\r\nÉmile\n"),
            ["Anna Schmidt", "anna", "Émile"]
        );
        assert_eq!(my_names(&"x".repeat(150))[0].chars().count(), MAX_MY_NAME);
        assert!(my_names(" ,\n ").is_empty());
    }
}

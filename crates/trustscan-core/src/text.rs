//! Wording shared by every stage that names things to a person.

/// The first `shown` items joined with commas, then how many more there are:
/// `a.py, b.py, c.py and 2 more`.
pub fn listed<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text += &format!(" and {} more", items.len() - shown);
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_keep_their_count() {
        assert_eq!(super::listed(&["a", "b"], 3), "a, b");
        assert_eq!(
            super::listed(&["a", "b", "c", "d", "e"], 3),
            "a, b, c and 2 more"
        );
        assert_eq!(super::listed::<&str>(&[], 3), "");
    }
}

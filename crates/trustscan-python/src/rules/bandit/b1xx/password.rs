//! What B105, B106 and B107 share: Bandit's `RE_CANDIDATES`, the names that look like a
//! password, and the issue text.

use regex::Regex;
use std::sync::OnceLock;

/// Bandit's `(^W$|_W_|^W_|_W$)` with `W = (pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)`,
/// case-insensitive, searched anywhere. Python's `$` also matches before a final newline.
fn candidates() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        let w = "(?:pas+wo?r?d|pass(?:phrase)?|pwd|token|secrete?)";
        let end = r"\n?\z";
        Regex::new(&format!("(?i)(?:^{w}{end}|_{w}_|^{w}_|_{w}{end})")).expect("static regex")
    })
}

/// Whether a name (or string) looks like it holds a password.
pub fn looks_like_password(name: &str) -> bool {
    candidates().is_match(name)
}

/// Bandit's issue text for a hard-coded password.
pub fn message(value: &str) -> String {
    format!("Possible hardcoded password: '{value}'")
}

#[cfg(test)]
mod tests {
    use super::looks_like_password as l;

    #[test]
    fn candidate_names() {
        for yes in [
            "password",
            "PASSWORD",
            "passwd",
            "pwd",
            "token",
            "secret",
            "secrete",
            "db_password",
            "password_hash",
            "my_token_x",
            "passphrase",
            "pass",
            "passsword",
            "password\n",
        ] {
            assert!(l(yes), "{yes}");
        }
        for no in [
            "tokens",
            "mypassword",
            "password2",
            "_secrets",
            "password\n\n",
            "",
        ] {
            assert!(!l(no), "{no}");
        }
        assert!(l("secret_"), "`^W_` needs nothing after the underscore");
    }
}

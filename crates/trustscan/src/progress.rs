//! Progress on standard error for long runs: which target of how many, and which stage.
//! Only when standard error is a terminal (never in logs or pipes), and overwritten in
//! place so that the report on standard output stays clean.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

pub struct Progress {
    on: bool,
    /// The current line's prefix (`[2/5] hf:org/name`), and whether a line is shown.
    state: Mutex<(String, bool)>,
}

impl Progress {
    /// Shown when standard error is a terminal and `TRUSTSCAN_NO_PROGRESS` is unset.
    pub fn auto() -> Progress {
        Progress::new(
            std::io::stderr().is_terminal() && std::env::var_os("TRUSTSCAN_NO_PROGRESS").is_none(),
        )
    }

    pub fn new(on: bool) -> Progress {
        Progress {
            on,
            state: Mutex::new((String::new(), false)),
        }
    }

    /// Start item `i` (from 1) of `n`.
    pub fn item(&self, i: usize, n: usize, name: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.0 = if n > 1 {
                format!("[{i}/{n}] {name}")
            } else {
                name.to_string()
            };
        }
        self.phase("");
    }

    /// The stage the current item is in.
    pub fn phase(&self, what: &str) {
        if !self.on {
            return;
        }
        let Ok(mut s) = self.state.lock() else { return };
        let line = if what.is_empty() {
            s.0.clone()
        } else {
            format!("{}: {what}", s.0)
        };
        // Erase the previous line: `\r` then clear to its end.
        let _ = write!(std::io::stderr(), "\r\x1b[2K{}", shorten(&line, 100));
        s.1 = true;
    }

    /// Erase the line (before the report or an error message is written).
    pub fn clear(&self) {
        if !self.on {
            return;
        }
        if let Ok(mut s) = self.state.lock()
            && s.1
        {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            s.1 = false;
        }
    }
}

/// The audit reports here: a line per target and stage, and failed targets on standard error
/// as they happen.
impl trustscan_audit::Progress for Progress {
    fn target(&self, index: usize, count: usize, name: &str) {
        self.item(index, count, name);
    }

    fn phase(&self, what: &str) {
        Progress::phase(self, what);
    }

    fn failed(&self, name: &str, error: &trustscan_audit::AuditError) {
        self.clear();
        eprintln!("trustscan: {name}: {error}");
    }
}

/// At most `max` characters, keeping the end (a path's end says most).
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - (max - 1)).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_keep_their_end() {
        assert_eq!(shorten("abc", 5), "abc");
        let s = shorten("0123456789", 5);
        assert_eq!(s, "…6789");
        assert_eq!(s.chars().count(), 5);
    }
}

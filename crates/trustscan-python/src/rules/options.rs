//! Per-rule settings, with Bandit's defaults, and which rules run.

use std::collections::BTreeSet;

/// Settings of the configurable rules (Bandit's plugin configuration keys).
#[derive(Clone, Debug)]
pub struct Options {
    /// Count `# nosec` comments (off by default: in a model repository they are written by
    /// the author whose code is being checked).
    pub honor_nosec: bool,
    /// Count `# noqa:` comments naming rules (`S307` for B307, `TS101`); a separate switch
    /// because Bandit ignores them, and Bandit-equal results need `honor_nosec` alone.
    pub honor_noqa: bool,
    /// Only these rule IDs run (`None`: all).
    pub select: Option<BTreeSet<String>>,
    /// These rule IDs do not run.
    pub ignore: BTreeSet<String>,
    /// B101 `skips`: glob patterns of file paths where asserts are fine.
    pub assert_skips: Vec<String>,
    /// B110 `check_typed_exception`.
    pub try_except_pass_typed: bool,
    /// B112 `check_typed_exception`.
    pub try_except_continue_typed: bool,
    /// B108 `tmp_dirs`.
    pub tmp_dirs: Vec<String>,
    /// B704 `extend_markup_names` and `allowed_calls`.
    pub markup_names_extend: Vec<String>,
    pub markup_allowed_calls: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            honor_nosec: false,
            honor_noqa: false,
            select: None,
            ignore: BTreeSet::new(),
            assert_skips: Vec::new(),
            try_except_pass_typed: false,
            try_except_continue_typed: false,
            tmp_dirs: vec!["/tmp".into(), "/var/tmp".into(), "/dev/shm".into()],
            markup_names_extend: Vec::new(),
            markup_allowed_calls: Vec::new(),
        }
    }
}

impl Options {
    pub fn enabled(&self, id: &str) -> bool {
        !self.ignore.contains(id) && self.select.as_ref().is_none_or(|s| s.contains(id))
    }
}

//! Module names the interpreter resolves before looking at any directory, and the standard
//! library's names (a repository file with one of those names only runs if the module was not
//! already imported). Generated from CPython 3.11 by `scripts/gen-python-module-names.py`.

use std::collections::HashSet;
use std::sync::OnceLock;

const STDLIB: &str = include_str!("../data/python311-stdlib.txt");
const BUILTIN: &str = include_str!("../data/python311-builtin.txt");

fn set(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// `sys.builtin_module_names`: compiled into the interpreter, never shadowed by files.
pub fn is_builtin(name: &str) -> bool {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| set(BUILTIN)).contains(name)
}

/// `sys.stdlib_module_names`.
pub fn is_stdlib(name: &str) -> bool {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| set(STDLIB)).contains(name)
}

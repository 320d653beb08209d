//! B3xx rules that are not blacklist entries (the blacklist calls are in
//! `../blacklist.rs`).
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod b324_hashlib;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(b324_hashlib::Hashlib)]
}

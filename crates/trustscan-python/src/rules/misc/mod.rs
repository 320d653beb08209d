//! Rules of the misc group (one rule per file in this directory).

use super::Rule;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![]
}

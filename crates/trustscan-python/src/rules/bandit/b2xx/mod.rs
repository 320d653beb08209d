//! B2xx: application and framework settings (Flask debug mode, tar extraction).
//! One rule per file, named by its Bandit ID.

use crate::rules::Rule;

mod b201_flask_debug_true;
mod b202_tarfile_unsafe_members;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(b201_flask_debug_true::FlaskDebugTrue),
        Box::new(b202_tarfile_unsafe_members::TarfileUnsafeMembers),
    ]
}

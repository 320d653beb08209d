//! Any byte sequence through the lenient zip reader: the central directory, every entry's
//! bytes, and the pickle entries as `check` reads them. Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustscan_payload::pickle::Budget;
use trustscan_payload::{pickles_in, zip};

fuzz_target!(|data: &[u8]| {
    let budget = Budget {
        max_ops: 100_000,
        max_items: 10_000,
        max_text: 64,
    };
    if let Ok(entries) = zip::entries(data) {
        for e in &entries {
            let _ = zip::read(data, e);
        }
    }
    let _ = pickles_in(data, &budget);
});

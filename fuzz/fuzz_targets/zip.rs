//! Any byte sequence through the lenient zip reader: the central directory and every
//! entry's contents, stored or inflated (within a small cap). Errors are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustscan_payload::zip;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = zip::entries(data) {
        for e in entries.iter().take(64) {
            let _ = zip::contents(data, e, 1 << 20);
        }
    }
});

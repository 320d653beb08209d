//! Any byte sequence through the NumPy `.npy` header reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::npy::inspect(data);
});

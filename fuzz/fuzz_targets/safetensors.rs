//! Any byte sequence through the safetensors header validation, as a whole file and as a
//! prefix of a larger one.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::safetensors::inspect(data, data.len() as u64);
    let _ = trustscan_payload::safetensors::inspect(data, (data.len() as u64).saturating_mul(3));
});

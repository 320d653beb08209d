//! Any byte sequence through the GGUF metadata reader (and its chat-template judge).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::gguf::inspect(data);
});

//! Any byte sequence through the pickle model and the policy: no panic, no overflow, and
//! bounded work (a small budget keeps each input fast, so libFuzzer explores more of them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustscan_payload::pickle::{Budget, analyze};
use trustscan_payload::policy::judge;

fuzz_target!(|data: &[u8]| {
    let budget = Budget {
        max_ops: 100_000,
        max_items: 10_000,
        max_text: 64,
        ..Budget::default()
    };
    let analysis = analyze(data, &budget);
    let _ = judge(&analysis);
});

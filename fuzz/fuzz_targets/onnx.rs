//! Any byte sequence through the ONNX protobuf walker (external-data paths).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::onnx::inspect(data);
});

//! Any byte sequence through the whole dispatcher: content sniffing, every container and
//! compression wrapper, nesting, and every format reader, with small budgets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustscan_payload::{Options, inspect_file, pickle::Budget};

fuzz_target!(|data: &[u8]| {
    let options = Options {
        max_inflated: 1 << 20,
        max_total_inflated: 4 << 20,
        max_members: 256,
        pickle: Budget {
            max_ops: 100_000,
            max_items: 10_000,
            max_text: 64,
            ..Budget::default()
        },
        ..Options::default()
    };
    // The name picks among formats without a magic number; try the ones that do that.
    for name in ["x.bin", "model.onnx", "chat_template.jinja", "tokenizer_config.json", "config.json"] {
        let _ = inspect_file(data, name, &options);
    }
});

//! Any text through the Jinja chat-template lexer and judge.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::template::judge(&String::from_utf8_lossy(data));
});

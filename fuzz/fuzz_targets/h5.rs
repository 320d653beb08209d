//! Any byte sequence through the HDF5 root-attribute reader (Keras `model_config`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = trustscan_payload::h5::inspect(data);
});

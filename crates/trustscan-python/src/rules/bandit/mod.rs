//! The Bandit-compatible rules, found by ID: each `bNxx/` directory holds the rules whose
//! Bandit ID starts with `BN` (one file each, `b602_subprocess_popen_with_shell_equals_true.rs`),
//! together with the helpers only they share. The exception is Bandit's blacklist, one table
//! with one check (`blacklist.rs`): the calls B301–B323 and the imports B401–B415.
//!
//! | IDs | what they look at |
//! | --- | --- |
//! | `b1xx/` B101–B113 | asserts, exec, file permissions, bind addresses, hard-coded passwords and temporary paths, swallowed exceptions, HTTP timeouts |
//! | `b2xx/` B201–B202 | Flask debug mode, tar extraction |
//! | `blacklist.rs` B301–B323, B401–B415 | blacklisted calls and imports |
//! | `b3xx/` B324 | weak hashes in `hashlib` |
//! | `b5xx/` B501–B509 | TLS and certificates, key sizes, YAML loading, SSH host keys, SNMP |
//! | `b6xx/` B601–B615 | processes and shells, SQL, Django, logging listeners, Trojan Source, unsafe model loading and downloading |
//! | `b7xx/` B701–B704 | template escaping and cross-site scripting |

use super::Rule;

mod b1xx;
mod b2xx;
mod b3xx;
mod b5xx;
mod b6xx;
mod b7xx;
mod blacklist;
mod http;

/// Every Bandit-compatible rule (unordered).
pub fn rules() -> Vec<Box<dyn Rule>> {
    let mut rules = b1xx::rules();
    rules.extend(b2xx::rules());
    rules.extend(blacklist::rules());
    rules.extend(b3xx::rules());
    rules.extend(b5xx::rules());
    rules.extend(b6xx::rules());
    rules.extend(b7xx::rules());
    rules
}

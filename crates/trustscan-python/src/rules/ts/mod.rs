//! trustscan's model-loading rules (`TS` IDs): what a model repository's code does that
//! matters when it runs inside `from_pretrained` or `torch.hub.load`. They see through the
//! indirection payloads use (aliases, `getattr`, `__import__`, string folding; see
//! `resolve.rs`), which Bandit-compatible rules deliberately do not.

use super::Rule;

mod ts101_exec_decoded_data;
mod ts102_native_code_loading;
mod ts103_network_access;
mod ts104_nested_remote_code;
mod ts105_unpinned_hub_download;
mod ts106_unsafe_deserialization;
mod ts107_process_execution;
mod ts108_credential_access;
mod ts109_write_outside_cache;
mod ts110_runtime_tampering;
mod ts111_dynamic_import;
mod ts112_obfuscation;

mod loading;
mod support;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(ts101_exec_decoded_data::ExecDecodedData),
        Box::new(ts102_native_code_loading::NativeCodeLoading),
        Box::new(ts103_network_access::NetworkAccess),
        Box::new(ts104_nested_remote_code::NestedRemoteCode),
        Box::new(ts105_unpinned_hub_download::UnpinnedHubDownload),
        Box::new(ts106_unsafe_deserialization::UnsafeDeserialization),
        Box::new(ts107_process_execution::ProcessExecution),
        Box::new(ts108_credential_access::CredentialAccess),
        Box::new(ts109_write_outside_cache::WriteOutsideCache),
        Box::new(ts110_runtime_tampering::RuntimeTampering),
        Box::new(ts111_dynamic_import::DynamicImport),
        Box::new(ts112_obfuscation::Obfuscation),
    ]
}

/// Shorten a folded payload for a message: one line, at most `max` characters.
pub fn preview(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

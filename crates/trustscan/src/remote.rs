//! The flags for hub targets (`hf:`, `ms:`, `csg:`, `gh:`, `mmlab:`), turned into the audit's
//! settings.

use std::path::PathBuf;
use trustscan_audit::HubSettings;

/// The flags for hub targets.
#[derive(clap::Args, Clone, Debug)]
pub struct RemoteArgs {
    /// The hub's address for hub targets (a mirror, a private deployment): wins over
    /// HF_ENDPOINT, MODELSCOPE_ENDPOINT, CSGHUB_DOMAIN and GITHUB_API_URL. All hub targets
    /// of one run must then be on one platform.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Never use the network: hub targets come from the platform's local cache or from
    /// trustscan's cache of earlier remote scans.
    #[arg(long)]
    pub offline: bool,
    /// Ask the hub even when the platform's local cache has the repository.
    #[arg(long, conflicts_with = "offline")]
    pub remote: bool,
    /// trustscan's cache of remote repositories (default: TRUSTSCAN_CACHE, else
    /// XDG_CACHE_HOME/trustscan, else ~/.cache/trustscan).
    #[arg(long, value_name = "DIR")]
    pub remote_cache: Option<PathBuf>,
    /// Most bytes fetched from a hub for one file whose format needs all of them (a plain
    /// pickle, .npy, ONNX, JSON); larger ones are inconclusive. Torch checkpoints (zip and
    /// legacy), safetensors, GGUF and HDF5 files are read by structure whatever their size;
    /// in other zip archives every member counts. Suffixes K, M, G (powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub fetch_limit: u64,
}

/// `123`, `64K`, `64M`, `2G` (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        _ => (t, 0),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("{s:?} is not a size (e.g. 500K, 64M, 2G)"))
}

impl RemoteArgs {
    pub fn settings(&self) -> HubSettings {
        HubSettings {
            endpoint: self.endpoint.clone(),
            offline: self.offline,
            prefer_hub: self.remote,
            cache: self.remote_cache.clone(),
            fetch_limit: self.fetch_limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("x").is_err() && parse_size("-1K").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}

//! The allowlist extension flags of `scan`, `check` and `cache`.

use trustscan_payload::Options;

/// The allowlist extension flags of `scan` and `check`.
#[derive(clap::Args)]
pub struct AllowArgs {
    /// Allow these pickle globals besides the built-in allowlist (`module.name`, or
    /// `module.*` for a module and its submodules); known gadgets stay dangerous.
    #[arg(long, value_delimiter = ',', value_name = "GLOBAL")]
    allow_global: Vec<String>,
    /// Read more allowed globals from a file, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    allowlist: Option<std::path::PathBuf>,
}

impl AllowArgs {
    /// Payload options with the user's allowlist extension (flags and configuration);
    /// `Err` names the bad entry.
    pub fn options(&self, config: &crate::config::Loaded) -> Result<Options, String> {
        let mut o = Options::default();
        for g in &self.allow_global {
            o.allow.add(g).map_err(|e| format!("--allow-global: {e}"))?;
        }
        for g in &config.config.allow_globals {
            o.allow.add(g).map_err(|e| format!("allow-globals: {e}"))?;
        }
        let files = self
            .allowlist
            .iter()
            .cloned()
            .chain(config.config.allowlist.as_deref().map(|p| config.path(p)));
        for path in files {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            o.allow
                .add_file(&text)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(o)
    }
}

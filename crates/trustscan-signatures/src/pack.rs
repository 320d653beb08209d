// The bundled rule pack and how it is compiled: included by `lib.rs` and by `build.rs`
// (which compiles the pack when the crate is built), so both compile exactly the same.

/// The bundled rule pack: (file name, source), one file per category.
const BUNDLED: &[(&str, &str)] = &[
    (
        "reverse_shell.yar",
        include_str!("../rules/reverse_shell.yar"),
    ),
    (
        "download_exec.yar",
        include_str!("../rules/download_exec.yar"),
    ),
    ("miner.yar", include_str!("../rules/miner.yar")),
    (
        "exfiltration.yar",
        include_str!("../rules/exfiltration.yar"),
    ),
    (
        "obfuscated_exec.yar",
        include_str!("../rules/obfuscated_exec.yar"),
    ),
    (
        "known_malicious.yar",
        include_str!("../rules/known_malicious.yar"),
    ),
];

/// Namespace of the bundled rules.
pub const BUNDLED_NAMESPACE: &str = "trustscan";

fn new_compiler<'a>() -> yara_x::Compiler<'a> {
    let mut compiler = yara_x::Compiler::new();
    compiler
        .enable_includes(false)
        .error_on_slow_pattern(true)
        .error_on_slow_loop(true);
    compiler
}

fn add_bundled(compiler: &mut yara_x::Compiler<'_>) -> Result<(), String> {
    compiler.new_namespace(BUNDLED_NAMESPACE);
    for (name, source) in BUNDLED {
        let origin = format!("rules/{name}");
        compiler
            .add_source(yara_x::SourceCode::from(*source).with_origin(origin.as_str()))
            .map_err(|e| one_line_error(&origin, &e.to_string()))?;
    }
    Ok(())
}

fn one_line_error(origin: &str, report: &str) -> String {
    let mut lines = report.lines();
    let title = lines.next().unwrap_or("").trim();
    let location = lines
        .find_map(|l| l.trim().strip_prefix("-->").map(|s| s.trim().to_string()))
        .unwrap_or_else(|| origin.to_string());
    let location = if location.starts_with(origin) {
        location
    } else {
        format!("{origin}: {location}")
    };
    format!("{location}: {title}")
}


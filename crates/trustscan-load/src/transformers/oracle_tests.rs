//! transformers' own `get_relative_imports` and `get_imports` as oracles for the regex
//! closure and the import check, on tricky snippets and on every modeling file that ships
//! with transformers itself (real model code, hundreds of files), in both versions.

use super::dynamic::{check_imports_packages, relative_imports};
use super::version::TfVersion;
use std::path::{Path, PathBuf};
use std::process::Command;

fn venv(name: &str) -> PathBuf {
    let dir = std::env::var_os("TRUSTSCAN_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-oracles"));
    let python = dir.join(name).join("bin/python");
    assert!(
        python.exists(),
        "oracle environment {} is missing: run scripts/setup-oracles.sh",
        python.display()
    );
    python
}

const SNIPPETS: &[&str] = &[
    "from .a import b\nimport .c\n",
    "\"\"\"\n    from .in_doc import x\nnot at start: from .inline import y\n\"\"\"\n",
    "from . import x\nfrom .. import y\nfrom ..up import z\nfrom .a.b import c\n",
    "s = '''\nfrom .in_string import q\n'''\n",
    "from .crlf import a\r\nfrom .cr import b\rimport .cr2\r",
    "from .x\nimport y\n",
    "  \t from .tabbed import t\n",
    "from\t.weird\timport w\n",
    "try:\n    import in_try\nexcept ImportError:\n    import in_handler\nelse:\n    import in_else\nfinally:\n    import in_finally\n",
    "try:\n    import in_star_try\nexcept* ValueError:\n    pass\n",
    "from transformers.utils import is_torch_available\nif is_torch_available():\n    import torch_only\nelse:\n    import not_torch\n",
    "if is_flash_attn_2_available():\n    import flash_attn\nif not is_flash_attn_greater_or_equal_2_10():\n    import fa2\n",
    "if version():\n    import hidden_by_version\nif os.path.exists('x'):\n    import visible\n",
    "if x:\n    pass\nelif is_torch_available():\n    import elif_hidden\n",
    "def f():\n    import in_function\nclass C:\n    import in_class\nwith ctx():\n    import in_with\n",
    "import a.b.c as d\nfrom e.f import g\nimport h, i\n",
    "importlib.import_module('dynamic_not_counted')\n__import__('nor_this')\n",
    "if (lambda: is_torch_available())():\n    import lambda_test\n",
    "if some.is_torch_available():\n    import attribute_call\n",
    "match x:\n    case 1:\n        import in_match\n",
];

/// The modeling files of an installed transformers.
fn shipped_modeling_files(python: &Path) -> Vec<PathBuf> {
    let out = Command::new(python)
        .args([
            "-c",
            "import transformers, os; print(os.path.dirname(transformers.__file__))",
        ])
        .output()
        .unwrap();
    let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join("models")).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in read {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".py")
                && (name.starts_with("modeling_")
                    || name.starts_with("configuration_")
                    || name.starts_with("tokenization_"))
            {
                files.push(f);
            }
        }
    }
    files.sort();
    files
}

fn check(version: TfVersion, env: &str) {
    let python = venv(env);
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = SNIPPETS
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let p = tmp.path().join(format!("snippet_{i}.py"));
            std::fs::write(&p, s).unwrap();
            p
        })
        .collect();
    let shipped = shipped_modeling_files(&python);
    assert!(
        shipped.len() > 300,
        "too few shipped files: {}",
        shipped.len()
    );
    files.extend(shipped);
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/oracle/transformers_imports_oracle.py");
    let mut mismatches = Vec::new();
    for chunk in files.chunks(400) {
        let out = Command::new(&python)
            .arg(&script)
            .args(chunk)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("TSFIX-RESULT "))
            .expect("oracle result");
        let oracle: serde_json::Value = serde_json::from_str(line).unwrap();
        for path in chunk {
            let expected = &oracle[path.to_str().unwrap()];
            let bytes = std::fs::read(path).unwrap();
            let ours_rel: Option<Vec<String>> = relative_imports(&bytes).ok().map(|r| {
                let mut names: Vec<String> = r.into_iter().map(|r| r.name).collect();
                names.sort();
                names.dedup();
                names
            });
            let theirs_rel: Option<Vec<String>> = expected["relative"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect());
            if ours_rel != theirs_rel {
                mismatches.push(format!(
                    "{}: relative imports {ours_rel:?} vs transformers {theirs_rel:?}",
                    path.display()
                ));
            }
            let analysis = trustscan_pyparse::analyze(&bytes, &Default::default());
            let ours_imports: Option<Vec<String>> =
                match (&analysis.facts, &analysis.cpython_refusal) {
                    (Some(f), None) => Some(
                        check_imports_packages(f, version)
                            .into_iter()
                            .map(|(t, _, _)| t)
                            .collect(),
                    ),
                    _ => None,
                };
            let theirs_imports: Option<Vec<String>> = expected["imports"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect());
            if ours_imports != theirs_imports {
                mismatches.push(format!(
                    "{}: check_imports {ours_imports:?} vs transformers {theirs_imports:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "transformers {}: {} mismatches:\n{}",
        version.label(),
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn relative_imports_and_check_imports_match_transformers_4_57() {
    check(TfVersion::V4, "transformers-4.57");
}

#[test]
fn relative_imports_and_check_imports_match_transformers_5() {
    check(TfVersion::V5, "transformers-5");
}

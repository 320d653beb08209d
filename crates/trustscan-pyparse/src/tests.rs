use super::*;

fn facts(src: &str) -> ModuleFacts {
    let a = analyze(src.as_bytes(), &Options::default());
    a.facts.expect("parsed")
}

fn import<'a>(f: &'a ModuleFacts, module: &str) -> &'a ImportFact {
    f.imports
        .iter()
        .find(|i| i.module.as_deref() == Some(module))
        .unwrap_or_else(|| panic!("no import of {module}: {:?}", f.imports))
}

#[test]
fn import_contexts_decide_what_runs_at_load() {
    let f = facts(
        r#"
import os, a.b as ab
from .sibling import thing
from . import pkgmod
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from .typed import T
else:
    from .untyped import U
try:
    import optional
except ImportError:
    import fallback
else:
    import tried
finally:
    import final
def f():
    import inner
class C:
    import in_class
if __name__ == "__main__":
    import main_only
if flag():
    import maybe
elif other():
    import maybe2
with ctx():
    import in_with
lazy import deferred
"#,
    );
    assert_eq!(import(&f, "os").at_load(), AtLoad::Always);
    assert_eq!(import(&f, "a.b").at_load(), AtLoad::Always);
    let sibling = import(&f, "sibling");
    assert_eq!((sibling.level, sibling.is_from), (1, true));
    assert_eq!(sibling.names, ["thing"]);
    let rel = f.imports.iter().find(|i| i.module.is_none()).unwrap();
    assert_eq!(
        (rel.level, rel.names.clone()),
        (1, vec!["pkgmod".to_string()])
    );
    assert!(matches!(import(&f, "typed").at_load(), AtLoad::Never(_)));
    assert_eq!(import(&f, "untyped").at_load(), AtLoad::Always);
    assert_eq!(import(&f, "optional").at_load(), AtLoad::Always);
    assert!(matches!(
        import(&f, "fallback").at_load(),
        AtLoad::Conditional(_)
    ));
    assert!(matches!(
        import(&f, "tried").at_load(),
        AtLoad::Conditional(_)
    ));
    assert_eq!(import(&f, "final").at_load(), AtLoad::Always);
    assert!(matches!(import(&f, "inner").at_load(), AtLoad::Never(_)));
    assert_eq!(import(&f, "in_class").at_load(), AtLoad::Always);
    assert!(matches!(
        import(&f, "main_only").at_load(),
        AtLoad::Never(_)
    ));
    assert_eq!(
        import(&f, "maybe").at_load(),
        AtLoad::Conditional("if flag()".into())
    );
    assert_eq!(
        import(&f, "maybe2").at_load(),
        AtLoad::Conditional("if not (flag()), if other()".into())
    );
    assert_eq!(import(&f, "in_with").at_load(), AtLoad::Always);
    assert!(matches!(import(&f, "deferred").at_load(), AtLoad::Never(_)));
    // The elif import sits inside both `if` tests, as in Python's own AST.
    let names: Vec<Vec<String>> = import(&f, "maybe2")
        .enclosures
        .iter()
        .filter_map(|e| match e {
            Enclosure::If { called_names, .. } => Some(called_names.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, [vec!["flag".to_string()], vec!["other".to_string()]]);
}

#[test]
fn bindings_assignments_and_sys_path_edits() {
    let f = facts(
        r#"
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.append(str(Path(__file__).parent.parent / "vendor"))
sys.path.insert(0, some_var)
dependencies = ["torch", "numpy"]
_base_ = ["../base.py", "./other.py"]
custom_imports = dict(imports=["pkg.mod"], allow_failed_imports=False)
from models import resnet as _private, vgg
def entry(pretrained=False): pass
class Model: pass
fn = lambda: 1
mod = importlib.import_module("plugins.extra")
dyn = importlib.import_module(name)
"#,
    );
    let deps = f
        .assignments
        .iter()
        .find(|a| a.name == "dependencies")
        .unwrap();
    assert_eq!(
        deps.value.strings().unwrap(),
        ["torch".to_string(), "numpy".to_string()]
    );
    let ci = f
        .assignments
        .iter()
        .find(|a| a.name == "custom_imports")
        .unwrap();
    assert_eq!(
        ci.value.get("imports").unwrap().strings().unwrap(),
        ["pkg.mod".to_string()]
    );
    assert_eq!(f.sys_path_edits.len(), 3);
    assert_eq!(f.sys_path_edits[0].op, SysPathOp::Insert(Some(0)));
    assert_eq!(
        f.sys_path_edits[0].paths,
        [PathValue::FromFileDir(vec!["lib".into()])]
    );
    assert_eq!(
        f.sys_path_edits[1].paths,
        [PathValue::FromFileDir(vec!["..".into(), "vendor".into()])]
    );
    assert!(matches!(
        f.sys_path_edits[2].paths[0],
        PathValue::Unknown(_)
    ));
    let kinds: Vec<(&str, &BindingKind)> = f
        .bindings
        .iter()
        .map(|b| (b.name.as_str(), &b.kind))
        .collect();
    assert!(kinds.contains(&("entry", &BindingKind::Function)));
    assert!(kinds.contains(&("Model", &BindingKind::Class)));
    assert!(kinds.contains(&("fn", &BindingKind::Lambda)));
    assert!(
        kinds.iter().any(|(n, k)| *n == "vgg"
            && matches!(k, BindingKind::Imported { name, .. } if name == "vgg"))
    );
    assert!(kinds.iter().any(|(n, _)| *n == "_private"));
    let dynamic = import(&f, "plugins.extra");
    assert!(dynamic.dynamic);
    assert_eq!(f.unresolved_dynamic_imports.len(), 1);
}

#[test]
fn python2_and_broken_files_still_yield_imports() {
    let a = analyze(
        b"import os\nprint \"hello\"\nexec \"x\" in ns\nfrom .helper import x\n",
        &Options::default(),
    );
    let f = a.facts.unwrap();
    assert!(a.cpython_refusal.unwrap().contains("syntax error"));
    assert!(!f.syntax_errors.is_empty());
    assert!(
        f.imports
            .iter()
            .any(|i| i.module.as_deref() == Some("helper"))
    );
}

#[test]
fn deep_nesting_neither_crashes_nor_passes_as_compilable() {
    for src in [
        format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)),
        format!("x = {}1\n", "not ".repeat(100_000)),
        format!("x = {}1\n", "-".repeat(100_000)),
        format!("x = 1{}\n", "+1".repeat(100_000)),
        format!("x = a{}\n", ".b".repeat(100_000)),
        format!("x = f{}\n", "()".repeat(100_000)),
        format!("x = {}\n", "[".repeat(100_000)),
        format!("x = {}1\n", "lambda: ".repeat(100_000)),
    ] {
        let a = analyze(src.as_bytes(), &Options::default());
        assert!(a.cpython_refusal.is_some(), "{}", &src[..20]);
    }
}

#[test]
fn oversized_files_are_skipped_with_a_reason() {
    let a = analyze(b"import os\n", &Options { max_parse_bytes: 4 });
    assert!(a.facts.is_none());
    assert!(a.skipped.unwrap().contains("parse limit"));
}

#[test]
fn non_utf8_is_analysed_and_reported() {
    let a = analyze(
        b"import os\nx = '\xff'\nfrom .m import y\n",
        &Options::default(),
    );
    assert!(a.cpython_refusal.unwrap().contains("invalid UTF-8"));
    assert!(
        a.facts
            .unwrap()
            .imports
            .iter()
            .any(|i| i.module.as_deref() == Some("m"))
    );
}

#[test]
fn the_token_bound_on_depth_is_never_below_the_depth() {
    let mut sources: Vec<String> = vec![
        "x\n".into(),
        "class A:\n    def f(self, a=lambda y=(1, [2, {3: f'{z!r:{w}}'}]): y):\n        if a: return -a\n"
            .into(),
        "@d(e)\n@g.h[i]\nclass B(C, metaclass=M):\n    x: int = 1; y = 2\n".into(),
        "try:\n    pass\nexcept E as e:\n    with a as b, c:\n        match x:\n            case [1, *r] if r: pass\n"
            .into(),
        "if a: b = c\nelif d:\n    while e:\n        for f in g: h = i if j else k\nelse:\n    del l[m:n:o]\n"
            .into(),
        "x = (a\n     + b  # comment\n     + c) \\\n    * d\n".into(),
        "async def f():\n    await g(*a, **k)\n    yield (y := [i async for i in z if i])\n".into(),
    ];
    for n in [10, 200, 1_000] {
        sources.push(format!("x = 1{}\n", "+1".repeat(n)));
        sources.push(format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)));
        sources.push(format!("x = a{}\n", ".b".repeat(n)));
        sources.push(format!("x = {}1\n", "lambda: ".repeat(n)));
        let mut nested = String::new();
        for level in 0..n.min(90) {
            nested += &format!("{}if x{level}: y = [z, (w,)]\n", "    ".repeat(level));
            nested += &format!("{}if x{level}:\n", "    ".repeat(level));
        }
        nested += &format!("{}pass\n", "    ".repeat(n.min(90)));
        sources.push(nested);
    }
    for src in &sources {
        let parsed =
            ruff_python_parser::parse_unchecked_source(src, ruff_python_ast::PySourceType::Python);
        assert!(parsed.errors().is_empty(), "{src}");
        let (depth, bound) = (
            crate::facts::max_depth(parsed.syntax()),
            crate::facts::token_measures(parsed.tokens()).depth_bound,
        );
        assert!(
            depth <= bound,
            "depth {depth} > bound {bound}: {}",
            &src[..src.len().min(80)]
        );
    }
}

/// On a clean parse the tokens give the nesting the text pre-pass measures (which the CPython
/// limits tests pin down): hand-picked corners, and every Python file of this project.
#[test]
fn token_nesting_agrees_with_the_text_prepass() {
    let mut sources: Vec<String> = vec![
        "x = ((1))  # (((((\ny = '((((' + \"\"\"\n((((\n\"\"\"\n".into(),
        "x = f'{(a)}' + f\"{[b for b in c]}\" + f'{f\"{(d)}\"}' + rb'((' + t'{[e]}'\n".into(),
        "x = (1, # ((\n 2)\nif a:\n\tif b:\n\t\tpass\n\x0cy = 1 + \\\n    2\n".into(),
        "def f(a=[{1: (2,)}]):\n    if a:\n        return [\n  1,\n        2]\n    return f'{a!r:{w}}'\n"
            .into(),
        format!("x = {}1{}\n", "(".repeat(250), ")".repeat(250)),
        format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200)),
    ];
    let mut deep = String::new();
    for level in 0..102 {
        deep += &format!("{}if x{level}:\n", " ".repeat(level));
    }
    deep += &format!("{}pass\n", " ".repeat(102));
    sources.push(deep);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![
        root.join("examples"),
        root.join("bench"),
        root.join("scripts"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                sources.extend(std::fs::read_to_string(&path).ok());
            }
        }
    }
    let mut checked = 0;
    for src in &sources {
        let parsed =
            ruff_python_parser::parse_unchecked_source(src, ruff_python_ast::PySourceType::Python);
        if !parsed.errors().is_empty() {
            continue;
        }
        checked += 1;
        assert_eq!(
            crate::facts::token_measures(parsed.tokens()).nesting,
            crate::measure_nesting(src),
            "{}",
            &src[..src.len().min(120)]
        );
    }
    assert!(checked > 20, "only {checked} clean sources");
}

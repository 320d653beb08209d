//! The call graph resolves a scope's edges only when a search reaches it: the answers must
//! not depend on what was resolved before, nor on the number of workers, and scopes no
//! search reaches (in files it reached or not) must stay unresolved.

use std::collections::BTreeMap;
use std::sync::Arc;
use trustscan_python::graph::CallGraph;
use trustscan_python::{Engine, Options, analyze_repository};

/// A package whose top level runs a chain of modules (`chain/m0` imports `m1`, ...) and a
/// call through two modules, a function nothing calls, and a module nothing imports that
/// calls into the package.
fn repository() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut add = |path: &str, text: &str| files.insert(path.to_string(), text.to_string());
    add("pkg/__init__.py", "from .a import f\n\nf()\n");
    add(
        "pkg/a.py",
        "from .b import g\nimport chain.m0\n\ndef f():\n    g()\n\ndef never():\n    g()\n    f()\n",
    );
    add(
        "pkg/b.py",
        "def g():\n    h()\n\ndef h():\n    helper = Box()\n    helper.open()\n\nclass Box:\n    def open(self):\n        pass\n",
    );
    add(
        "other/c.py",
        "from pkg.a import f\n\ndef unused():\n    f()\n    f.open()\n\nunused()\n",
    );
    for i in 0..40 {
        add(
            &format!("chain/m{i}.py"),
            &format!("import chain.m{}\n\ndef step():\n    return {i}\n", i + 1),
        );
    }
    files
}

fn graph(threads: usize) -> CallGraph {
    let files = repository();
    let paths: Vec<String> = files.keys().cloned().collect();
    let engine = Arc::new(Engine::new(Options::default()));
    let read = |p: &str| Ok(files[p].clone().into_bytes());
    analyze_repository(&engine, &paths, read, threads).graph
}

/// Every reached node with the node and edge it was first reached by, in a stable form.
fn reached(
    g: &CallGraph,
    roots: &[usize],
) -> Vec<(usize, Option<(usize, usize, u32, &'static str)>)> {
    let mut out: Vec<_> = g
        .reach(roots)
        .into_iter()
        .map(|(n, by)| (n, by.map(|(prev, e)| (prev, e.to, e.line, e.how))))
        .collect();
    out.sort();
    out
}

#[test]
fn edges_are_resolved_on_demand_with_the_same_answers() {
    let one = graph(1);
    let three = graph(3);
    let root = one.find("pkg/__init__.py", "<module>").unwrap();
    assert_eq!(Some(root), three.find("pkg/__init__.py", "<module>"));
    let hubs_only = one.resolved_edges();

    // The same answer on one worker and on three.
    let from_pkg = reached(&one, &[root]);
    assert_eq!(from_pkg, reached(&three, &[root]));
    let h = one.find("pkg/b.py", "h").unwrap();
    assert!(
        from_pkg.iter().any(|(n, _)| *n == h),
        "pkg/b.py:h is called via f -> g"
    );
    let last = one.find("chain/m39.py", "<module>").unwrap();
    assert!(
        from_pkg.iter().any(|(n, _)| *n == last),
        "the import chain runs to its end"
    );
    let unused = one.find("other/c.py", "unused").unwrap();
    assert!(from_pkg.iter().all(|(n, _)| *n != unused));

    // The evidence names each step of the call path.
    let reach = one.reach(&[root]);
    let path = one.path(&reach, h);
    assert_eq!(path.len(), 4, "{path:?}");
    assert!(path[3].contains("pkg/b.py:h"), "{path:?}");

    // Nothing calls pkg/a.py:never, though its file runs: its edges are resolved only
    // when a search starts there.
    let after_pkg = one.resolved_edges();
    assert!(after_pkg > hubs_only);
    let never = one.find("pkg/a.py", "never").unwrap();
    assert!(from_pkg.iter().all(|(n, _)| *n != never));
    let from_never = reached(&one, &[never]);
    assert!(from_never.iter().any(|(n, _)| *n == h));
    assert!(
        one.resolved_edges() > after_pkg,
        "pkg/a.py:never is resolved once reached"
    );
    let after_pkg = one.resolved_edges();

    // Nothing reached other/c.py, so its edges were never resolved; a search from it
    // resolves them, and answers for the package do not change.
    let c = one.find("other/c.py", "<module>").unwrap();
    let from_c = reached(&one, &[c]);
    assert!(
        one.resolved_edges() > after_pkg,
        "other/c.py is resolved once reached"
    );
    assert!(from_c.iter().any(|(n, _)| *n == h));
    assert_eq!(reached(&one, &[root]), from_pkg);
}

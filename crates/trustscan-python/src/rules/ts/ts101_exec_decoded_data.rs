use super::preview;
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Expr;

rule! {
    /// TS101 exec_decoded_data.
    ///
    /// ## What it does
    /// Reports code execution (`exec`, `eval`, `compile`, `types.FunctionType`/`CodeType`,
    /// `marshal.loads`, and code-string runners such as `timeit.timeit` or `cProfile.run`) whose
    /// input comes out of a decoder, decompressor or deobfuscation step (base64, hex, zlib, bz2,
    /// lzma, gzip, codecs, `chr()` joins, `[::-1]`) or a download. Aliases, `getattr`,
    /// `__import__` and the builtins namespace are seen through. When the input is a literal,
    /// the message shows what it decodes to.
    ///
    /// ## Why is this bad?
    /// Legitimate model code has no reason to hide source from its reader. Decoding right
    /// before executing is how payloads keep their real code out of review and out of
    /// signature scanners (CWE-95).
    ///
    /// ## Example
    /// ```python
    /// exec(base64.b64decode("aW1wb3J0IG9z"))
    /// ```
    pub struct ExecDecodedData {
        id: "TS101",
        name: "exec_decoded_data",
        cwe: 95,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "exec(base64.b64decode(\"aW1wb3J0IG9z\"))",
    }
}

/// Callables that run (or build runnable code from) their argument.
const SINKS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "execfile",
    "types.FunctionType",
    "types.CodeType",
    "marshal.loads",
    "marshal.load",
    "timeit.timeit",
    "timeit.repeat",
    "timeit.Timer",
    "cProfile.run",
    "cProfile.runctx",
    "profile.run",
    "profile.runctx",
    "pdb.run",
    "pdb.runeval",
    "code.InteractiveInterpreter.runsource",
    "code.InteractiveInterpreter.runcode",
    "ctypes.pythonapi.PyRun_SimpleString",
];

/// The last component of every sink: a method call named otherwise cannot be one.
static SINK_METHODS: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        SINKS
            .iter()
            .map(|s| s.rsplit('.').next().unwrap_or(s))
            .chain(["runsource", "runcode"])
            .collect()
    });

fn is_runner(callee: &str) -> bool {
    SINKS.contains(&callee) || callee.ends_with(".runsource") || callee.ends_with(".runcode")
}

impl Rule for ExecDecodedData {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(SINK_METHODS.iter().copied().collect())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        // A method call can only reach a sink through its own name: skip resolving others.
        if let Expr::Attribute(a) = &*call.func
            && !SINK_METHODS.contains(a.attr.as_str())
        {
            return None;
        }
        let r = Resolver::new(ctx);
        let sink = r.callee(&call.func);
        if !is_runner(&sink) {
            return None;
        }
        let input = call.arguments.args.first()?;
        // `exec(compile(decoded))`: the inner call is the one reported.
        if let Expr::Call(inner) = input
            && is_runner(&r.callee(&inner.func))
        {
            return None;
        }
        let source = r.decoded_source(input)?;
        let decoded = r
            .fold_str(input)
            .map(|text| format!("; it decodes to: {}", preview(&text, 120)))
            .unwrap_or_default();
        Some(META.issue(format!(
            "{sink} runs data produced by {source}: the code it executes is hidden from \
             review{decoded}."
        )))
    }
}

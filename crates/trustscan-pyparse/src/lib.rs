//! Python front end shared by the load stage and the Python analysis stage: decoding as CPython
//! does (PEP 263), CPython's own nesting limits, the ruff parser with error recovery, and facts
//! about a module's imports and bindings.
//!
//! All use of the ruff crates stays inside this crate, so a version bump touches one place.
//!
//! Hostile input: the parser grows its own stack, but dropping or visiting a 100,000-deep AST
//! recurses. Every parse therefore runs on a thread with a large (lazily committed) stack, our
//! visitors grow the stack with `stacker`, and ASTs deeper than any CPython could compile are
//! leaked instead of dropped (their size is bounded by the parse size cap).

mod decode;
mod facts;
mod literal;
mod prepass;

pub use decode::{DecodedSource, decode_source, decode_source_owned};
pub use facts::{
    Assignment, AtLoad, Binding, BindingKind, DynamicImport, Enclosure, ImportFact, LoopPart,
    ModuleFacts, SyntaxIssue, SysPathEdit, SysPathOp, TryPart, at_load, snippet,
};
pub use literal::{Literal, PathValue};

/// The ruff syntax tree, for rule engines: re-exported here so that a parser upgrade touches
/// this crate only.
pub mod syntax {
    pub use ruff_python_ast::token::{Token, TokenKind};
    pub use ruff_python_ast::*;
    pub use ruff_source_file::{LineIndex, OneIndexed};
    pub use ruff_text_size::{Ranged, TextLen, TextRange, TextSize};
}

/// A parsed file handed to [`with_parsed`]'s callback.
pub struct ParsedFile {
    pub text: String,
    pub encoding: String,
    pub module: syntax::ModModule,
    pub index: syntax::LineIndex,
    /// Ranges of `#` comments.
    pub comments: Vec<syntax::TextRange>,
    pub syntax_errors: Vec<SyntaxIssue>,
    /// Why CPython would refuse the file, if it would.
    pub cpython_refusal: Option<String>,
}

/// Decode, parse and hand the tree to `f`, all on the parser thread (whose stack survives
/// hostile nesting). `Err` when the file is above the size limit or the parser failed.
pub fn with_parsed<T: Send + 'static>(
    bytes: Vec<u8>,
    options: &Options,
    f: impl FnOnce(&ParsedFile) -> T + Send + 'static,
) -> Result<T, String> {
    let decoded = decode_source_owned(bytes);
    if decoded.text.len() > options.max_parse_bytes {
        return Err(format!(
            "{} bytes is above the {}-byte parse limit",
            decoded.text.len(),
            options.max_parse_bytes
        ));
    }
    let mut refusal = decoded
        .problem
        .clone()
        .filter(|p| p.contains("CPython refuses"));
    on_big_stack(move || {
        let text = decoded.text;
        let parsed = ruff_python_parser::parse_unchecked_source(&text, PySourceType::Python);
        // A clean parse's tokens tell its nesting; after errors they may not be CPython's.
        let measures = parsed
            .errors()
            .is_empty()
            .then(|| facts::token_measures(parsed.tokens()));
        if refusal.is_none() {
            refusal = match &measures {
                Some(m) => m.nesting.cpython_refusal(),
                None => measure_nesting(&text).cpython_refusal(),
            };
        }
        let index = LineIndex::from_source_text(&text);
        let comments = parsed
            .tokens()
            .iter()
            .filter(|t| t.kind() == syntax::TokenKind::Comment)
            .map(ruff_text_size::Ranged::range)
            .collect();
        let syntax_errors = parsed
            .errors()
            .iter()
            .map(|e| SyntaxIssue {
                line: index.line_index(e.location.start()).get() as u32,
                message: e.error.to_string(),
            })
            .collect::<Vec<_>>();
        if refusal.is_none() {
            refusal = syntax_errors
                .first()
                .map(|e| format!("syntax error at line {}: {}", e.line, e.message));
        }
        // A tree deeper than any CPython accepts is leaked rather than dropped recursively.
        // The depth (or, when that is small enough to decide nothing, a bound on it).
        let max_depth = measures
            .map(|m| m.depth_bound)
            .filter(|&bound| bound <= CPYTHON_MAX_AST_DEPTH)
            .unwrap_or_else(|| facts::max_depth(parsed.syntax()));
        if refusal.is_none() && max_depth > CPYTHON_MAX_AST_DEPTH {
            refusal = Some(format!(
                "syntax nests {max_depth} levels deep; CPython refuses to compile beyond about \
                 {CPYTHON_MAX_AST_DEPTH}"
            ));
        }
        let deep = max_depth > LEAK_DEPTH;
        let file = ParsedFile {
            text,
            encoding: decoded.encoding,
            module: parsed.into_syntax(),
            index,
            comments,
            syntax_errors,
            cpython_refusal: refusal,
        };
        let out = f(&file);
        if deep {
            std::mem::forget(file);
        }
        out
    })
}
pub use prepass::{Nesting, measure_nesting};

use ruff_python_ast::PySourceType;
use ruff_source_file::LineIndex;
use std::sync::{Mutex, OnceLock, mpsc};

/// Default cap on the bytes parsed into an AST; bigger files are reported, not parsed.
pub const DEFAULT_MAX_PARSE_BYTES: usize = 8 << 20;
/// Stack for parser threads: virtual memory, committed only as deep recursion touches it.
const PARSER_STACK_BYTES: usize = 1 << 30;
/// CPython 3.11 refuses ASTs nested more deeply than about 3,000 levels ("maximum recursion
/// depth exceeded during compilation"); far deeper trees are leaked rather than dropped.
const CPYTHON_MAX_AST_DEPTH: usize = 3_000;
const LEAK_DEPTH: usize = 200_000;

#[derive(Clone, Debug)]
pub struct Options {
    pub max_parse_bytes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_parse_bytes: DEFAULT_MAX_PARSE_BYTES,
        }
    }
}

/// The result of analysing one Python file.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub encoding: String,
    /// Why CPython would refuse to compile the file (it then runs nothing): undecodable
    /// bytes, nesting beyond CPython's limits, syntax errors.
    pub cpython_refusal: Option<String>,
    /// `None` when the file was too large to parse; `skipped` says why.
    pub facts: Option<ModuleFacts>,
    pub skipped: Option<String>,
}

/// Decode and parse one file and extract its facts. Never panics on any input.
pub fn analyze(bytes: &[u8], options: &Options) -> Analysis {
    let decoded = decode_source(bytes);
    let nesting = measure_nesting(&decoded.text);
    let mut refusal = decoded
        .problem
        .clone()
        .filter(|p| p.contains("CPython refuses"));
    if refusal.is_none() {
        refusal = nesting.cpython_refusal();
    }
    if decoded.text.len() > options.max_parse_bytes {
        return Analysis {
            encoding: decoded.encoding,
            cpython_refusal: refusal,
            facts: None,
            skipped: Some(format!(
                "{} bytes is above the {}-byte parse limit; its imports were not analysed",
                decoded.text.len(),
                options.max_parse_bytes
            )),
        };
    }
    let encoding = decoded.encoding.clone();
    let text = decoded.text;
    let result = on_big_stack(move || {
        let parsed = ruff_python_parser::parse_unchecked_source(&text, PySourceType::Python);
        let index = LineIndex::from_source_text(&text);
        let mut facts = facts::extract(parsed.syntax(), &text, &index);
        facts.syntax_errors = parsed
            .errors()
            .iter()
            .map(|e| SyntaxIssue {
                line: index.line_index(e.location.start()).get() as u32,
                message: e.error.to_string(),
            })
            .collect();
        if facts.max_depth > LEAK_DEPTH {
            std::mem::forget(parsed);
        }
        facts
    });
    match result {
        Ok(facts) => {
            if refusal.is_none() {
                refusal = if facts.max_depth > CPYTHON_MAX_AST_DEPTH {
                    Some(format!(
                        "syntax nests {} levels deep; CPython refuses to compile beyond about \
                         {CPYTHON_MAX_AST_DEPTH}",
                        facts.max_depth
                    ))
                } else {
                    facts
                        .syntax_errors
                        .first()
                        .map(|e| format!("syntax error at line {}: {}", e.line, e.message))
                };
            }
            Analysis {
                encoding,
                cpython_refusal: refusal,
                facts: Some(facts),
                skipped: None,
            }
        }
        Err(reason) => Analysis {
            encoding,
            cpython_refusal: refusal,
            facts: None,
            skipped: Some(reason),
        },
    }
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The parser thread: started once, reused for every file (starting a thread with a large
/// stack per file costs more than parsing a small file).
fn parser_thread() -> &'static Mutex<Option<mpsc::Sender<Job>>> {
    static THREAD: OnceLock<Mutex<Option<mpsc::Sender<Job>>>> = OnceLock::new();
    THREAD.get_or_init(|| Mutex::new(None))
}

fn start_parser_thread() -> Result<mpsc::Sender<Job>, String> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("trustscan-parser".into())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || {
            for job in rx {
                job();
            }
        })
        .map_err(|e| format!("could not start a parser thread: {e}"))?;
    Ok(tx)
}

thread_local! {
    /// Set on threads started with a parser-sized stack, which parse inline.
    static BIG_STACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `work(i)` for every `i` in `0..n` on up to `threads` worker threads that have
/// parser-sized stacks (so parses on them need no hand-off); results in index order,
/// `None` where `work` panicked. Falls back to the calling thread when threads cannot be
/// started.
pub fn parallel_map<T: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<Option<T>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    let run = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(i))).ok();
            results.lock().unwrap_or_else(|e| e.into_inner())[i] = value;
        }
    };
    std::thread::scope(|scope| {
        let mut started = 0;
        for t in 0..threads.clamp(1, n.max(1)) {
            let spawned = std::thread::Builder::new()
                .name(format!("trustscan-worker-{t}"))
                .stack_size(PARSER_STACK_BYTES)
                .spawn_scoped(scope, || {
                    BIG_STACK.with(|b| b.set(true));
                    run()
                });
            if spawned.is_ok() {
                started += 1;
            }
        }
        if started == 0 {
            run();
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` on a thread with a large stack (this one, if it is a worker of
/// [`parallel_map`]; otherwise the shared parser thread); a panic becomes an error message.
pub fn on_big_stack<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    if BIG_STACK.with(|b| b.get()) {
        return std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|_| "the parser failed on this file (internal error)".to_string());
    }
    let (tx, rx) = mpsc::channel();
    let job: Job = Box::new(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(result);
    });
    {
        let mut guard = parser_thread().lock().unwrap_or_else(|e| e.into_inner());
        let sender = match guard.as_ref() {
            Some(s) => s.clone(),
            None => {
                let s = start_parser_thread()?;
                *guard = Some(s.clone());
                s
            }
        };
        if let Err(mpsc::SendError(job)) = sender.send(job) {
            // The thread is gone: start another one for this and later jobs.
            let s = start_parser_thread()?;
            let _ = s.send(job);
            *guard = Some(s);
        }
    }
    match rx.recv() {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) | Err(_) => Err("the parser failed on this file (internal error)".into()),
    }
}

#[cfg(test)]
mod tests;

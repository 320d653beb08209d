//! An opcode-level model of CPython's unpickler (protocols 0-5): it follows the stack, the
//! memo, marks and frames, and records every global the stream makes the unpickler look up
//! (`find_class(module, name)`, from `GLOBAL`, `INST` and `STACK_GLOBAL` with operands computed
//! through the memo) and every call it makes (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `OBJ`, `INST`,
//! `BUILD`), with constant arguments. Nothing is executed.
//!
//! Streams are often concatenated (torch's legacy format writes several pickles one after
//! another), so the model reads pickle after pickle until the data ends. A malformed stream
//! stops the model where CPython would stop, and the error is reported next to what was found
//! before it: the caller must treat such a stream as inconclusive, never as clean.

mod joblib;

use std::fmt;
use trustscan_core::base64::{self, Dialect};
use trustscan_core::{PickleCall, PickleImport};

/// Limits against hostile streams: they bound memory, not what is recorded before them.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Opcodes read in total.
    pub max_ops: usize,
    /// Items on the stack (and in the memo) at once.
    pub max_items: usize,
    /// Characters kept of a constant argument in a call's description.
    pub max_text: usize,
    /// Pickles read before stopping: torch's legacy format holds five, then raw storage bytes.
    pub max_pickles: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_ops: 50_000_000,
            max_items: 1_000_000,
            max_text: 200,
            max_pickles: usize::MAX,
        }
    }
}

/// What reading a stream found.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub imports: Vec<PickleImport>,
    pub calls: Vec<PickleCall>,
    /// Pickles read (a stream may hold several, one after another).
    pub pickles: usize,
    /// Highest protocol announced by a `PROTO` opcode.
    pub protocol: u8,
    /// Why reading stopped before the end of the data, if it did.
    pub error: Option<StreamError>,
    /// Where reading stopped: the end of the data, of the last pickle read, or the error.
    pub end: usize,
    /// What each complete pickle returns, rendered like its call arguments (`1001`,
    /// `(1, 'cpu', torch.FloatStorage)`, `<result of ...>`): how a reader of several
    /// consecutive pickles learns what comes next (torch's legacy layouts).
    pub results: Vec<String>,
    /// Byte constants that are payloads themselves (a pickle, an archive, a compressed
    /// stream), as ranges of the data analysed.
    pub embedded: Vec<std::ops::Range<usize>>,
    /// String constants that are base64-encoded payloads: (offset, decoded bytes).
    pub decoded: Vec<(usize, Vec<u8>)>,
}

/// Where and why a stream could not be read further.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamError {
    pub offset: usize,
    pub reason: String,
    /// The stream breaks frame accounting (an operand across a frame's end, a frame opened
    /// inside another): CPython reads such streams differently from whole-buffer parsers,
    /// a known way to hide opcodes from scanners (payload-evasions §11).
    pub frame_violation: bool,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

/// A value on the model's stack.
#[derive(Clone, Debug)]
enum Value {
    None,
    Bool(bool),
    Int(i128),
    BigInt,
    Float(f64),
    /// Shared: memo references and DUP copy values, and strings can be large.
    Str(std::rc::Rc<str>),
    Bytes(usize),
    Tuple(Vec<Value>),
    List,
    /// A dict's entries while it is small (joblib's array state); `None` once it grew.
    Dict(Option<Vec<(Value, Value)>>),
    Set,
    Global(String, String),
    /// The result of a call (an object the stream built).
    Object(String),
    /// A `numpy.dtype` the stream built: its type code and, once its state is set, its item
    /// size (needed to skip the raw array bytes joblib writes into the stream).
    Dtype {
        code: std::rc::Rc<str>,
        elsize: Option<u64>,
        /// NumPy's `hasobject` flag, from the state.
        objects: bool,
    },
    /// A `joblib.numpy_pickle.NumpyArrayWrapper`: its array's bytes follow its `BUILD`.
    ArrayWrapper,
    /// A persistent reference (`persistent_load`, torch's storages).
    Persistent,
    /// A buffer passed out of band (protocol 5).
    Buffer,
}

/// Values kept inside one tuple, counting nested ones: memo references can make a stream
/// build trees exponentially larger than itself (each level a tuple of the previous one twice).
const MAX_TUPLE_WEIGHT: usize = 64;

impl Value {
    /// Add `[k1, v1, k2, v2, ...]` to a dict (SETITEM, SETITEMS, DICT); a dict that grows
    /// past a few entries forgets them all (only joblib's small state dicts are read).
    fn insert_pairs(&mut self, items: Vec<Value>) {
        let mut total = self.weight();
        if let Value::Dict(slot) = self {
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                let Some(entries) = slot.as_mut() else { return };
                total += k.weight() + v.weight();
                if total > MAX_TUPLE_WEIGHT {
                    *slot = None;
                    return;
                }
                entries.push((k, v));
            }
        }
    }

    /// Values held, counting nested ones: what a memo copy clones.
    fn weight(&self) -> usize {
        match self {
            Value::Tuple(items) => 1 + items.iter().map(Value::weight).sum::<usize>(),
            Value::Dict(Some(entries)) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.weight() + v.weight())
                    .sum::<usize>()
            }
            _ => 1,
        }
    }

    /// A tuple of `items`, or an opaque object when it would be too large to keep.
    fn tuple(items: Vec<Value>) -> Value {
        if items.len() > MAX_TUPLE_WEIGHT
            || items.iter().map(Value::weight).sum::<usize>() > MAX_TUPLE_WEIGHT
        {
            Value::Object(format!("tuple of {} items", items.len()))
        } else {
            Value::Tuple(items)
        }
    }

    fn render(&self, max: usize) -> String {
        let s = match self {
            Value::None => "None".into(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt => "<int>".into(),
            Value::Float(f) => format!("{f:?}"),
            // Cut before quoting: a string operand can be megabytes long.
            Value::Str(s) => format!("{:?}", s.chars().take(max + 1).collect::<String>()),
            Value::Bytes(n) => format!("<{n} bytes>"),
            Value::Tuple(items) => {
                let inner: Vec<String> = items.iter().map(|v| v.render(max)).collect();
                if items.len() == 1 {
                    format!("({},)", inner[0])
                } else {
                    format!("({})", inner.join(", "))
                }
            }
            Value::List => "[...]".into(),
            Value::Dict(_) => "{...}".into(),
            Value::Set => "{...}".into(),
            Value::Global(m, n) => format!("{m}.{n}"),
            Value::Object(what) => format!("<{what}>"),
            Value::Dtype { .. } => "<result of numpy.dtype>".into(),
            Value::ArrayWrapper => "<result of joblib.numpy_pickle.NumpyArrayWrapper>".into(),
            Value::Persistent => "<persistent id>".into(),
            Value::Buffer => "<buffer>".into(),
        };
        if s.chars().count() > max {
            format!("{}…", s.chars().take(max).collect::<String>())
        } else {
            s
        }
    }

    /// How a callee is named in a call record.
    fn callee(&self) -> String {
        match self {
            Value::Global(m, n) => format!("{m}.{n}"),
            Value::Object(what) => format!("<{what}>"),
            Value::Dtype { .. } | Value::ArrayWrapper => self.render(60),
            other => format!("<{}>", other.render(60)),
        }
    }
}

enum Item {
    Mark,
    Value(Value),
}

struct Machine<'b> {
    data: &'b [u8],
    pos: usize,
    stack: Vec<Item>,
    memo: std::collections::HashMap<u64, Value>,
    budget: &'b Budget,
    ops: usize,
    out: Analysis,
    /// End of the current frame (protocol 4), if one is open.
    frame_end: Option<usize>,
    /// Set when reading stopped on a frame violation.
    frame_violation: bool,
}

/// Read every pickle in `data`.
pub fn analyze(data: &[u8], budget: &Budget) -> Analysis {
    let mut m = Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        memo: Default::default(),
        budget,
        ops: 0,
        out: Analysis::default(),
        frame_end: None,
        frame_violation: false,
    };
    while m.pos < data.len() && m.out.pickles < budget.max_pickles {
        let start = m.pos;
        m.stack.clear();
        m.memo.clear();
        m.frame_end = None;
        match m.run() {
            Ok(()) => m.out.pickles += 1,
            Err(reason) => {
                m.out.error = Some(StreamError {
                    frame_violation: m.frame_violation,
                    offset: m.pos.max(start),
                    reason,
                });
                break;
            }
        }
    }
    m.out.end = m.out.error.as_ref().map_or(m.pos, |e| e.offset);
    m.out
}

type Step = Result<(), String>;

impl Machine<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| format!("the stream ends inside an operand ({n} bytes wanted)"))?;
        if let Some(f) = self.frame_end
            && end > f
        {
            self.frame_violation = true;
            return Err("an operand crosses the end of its frame".into());
        }
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn uint(&mut self, n: usize) -> Result<u64, String> {
        let b = self.take(n)?;
        let mut v = 0u64;
        for (i, byte) in b.iter().enumerate() {
            v |= (*byte as u64) << (8 * i);
        }
        Ok(v)
    }

    fn len(&mut self, n: usize) -> Result<usize, String> {
        let v = self.uint(n)?;
        usize::try_from(v)
            .ok()
            .filter(|&l| l <= self.data.len() - self.pos.min(self.data.len()))
            .ok_or_else(|| format!("a length of {v} bytes runs past the end of the data"))
    }

    /// A newline-terminated operand (protocol 0), without the newline.
    fn line(&mut self) -> Result<String, String> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("the stream ends inside a text operand")?;
        let text = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.take(n + 1)?;
        Ok(text)
    }

    fn push(&mut self, v: Value) -> Step {
        if self.stack.len() >= self.budget.max_items {
            return Err(format!(
                "more than {} items on the stack",
                self.budget.max_items
            ));
        }
        self.stack.push(Item::Value(v));
        Ok(())
    }

    /// Push a string constant. One that is a base64-encoded payload (a pickle, an archive, a
    /// compressed stream: what `pickle.loads(base64.b64decode(...))` gadgets carry) is kept,
    /// decoded, for inspection.
    fn push_str(&mut self, s: String) -> Step {
        // Base64 of a pickle header (0x80 0x02..0x05), a zip and a gzip signature.
        const PREFIXES: [&str; 3] = ["gA", "UEsDB", "H4s"];
        if s.len() >= 16
            && PREFIXES.iter().any(|p| s.starts_with(p))
            && let Some(bytes) = base64::decode(s.as_bytes(), Dialect::Embedded)
            && crate::sniff::embeds_payload(&bytes)
        {
            self.out.decoded.push((self.pos, bytes));
        }
        self.push(Value::Str(s.into()))
    }

    fn pop(&mut self) -> Result<Value, String> {
        match self.stack.pop() {
            Some(Item::Value(v)) => Ok(v),
            Some(Item::Mark) => Err("a mark where a value was expected".into()),
            None => Err("the stack is empty".into()),
        }
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        match self.stack.last_mut() {
            Some(Item::Value(v)) => Ok(v),
            Some(Item::Mark) => Err("a mark where a value was expected".into()),
            None => Err("the stack is empty".into()),
        }
    }

    /// Everything down to the last mark (which is removed).
    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let i = self
            .stack
            .iter()
            .rposition(|it| matches!(it, Item::Mark))
            .ok_or("no mark on the stack")?;
        let items = self.stack.split_off(i + 1);
        self.stack.pop();
        Ok(items
            .into_iter()
            .filter_map(|it| match it {
                Item::Value(v) => Some(v),
                Item::Mark => None,
            })
            .collect())
    }

    fn memo_put(&mut self, key: u64) -> Step {
        let v = self.top()?.clone();
        if self.memo.len() >= self.budget.max_items && !self.memo.contains_key(&key) {
            return Err(format!("more than {} memo entries", self.budget.max_items));
        }
        self.memo.insert(key, v);
        Ok(())
    }

    fn memo_get(&mut self, key: u64) -> Step {
        let v = self
            .memo
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("memo entry {key} was never stored"))?;
        self.push(v)
    }

    fn import(&mut self, module: String, name: String, offset: usize) -> Value {
        self.out.imports.push(PickleImport {
            module: module.clone(),
            name: name.clone(),
            offset,
        });
        Value::Global(module, name)
    }

    fn call(&mut self, callee: &Value, args: &Value, opcode: &'static str, offset: usize) -> Value {
        let name = callee.callee();
        let result = match (callee, args) {
            (Value::Global(m, n), Value::Tuple(a)) if m == "numpy" && n == "dtype" => {
                match a.first() {
                    Some(Value::Str(code)) => Value::Dtype {
                        code: code.clone(),
                        elsize: None,
                        objects: false,
                    },
                    _ => Value::Object(format!("result of {name}")),
                }
            }
            (Value::Global(m, n), _) if m == "joblib.numpy_pickle" && n == "NumpyArrayWrapper" => {
                Value::ArrayWrapper
            }
            // Protocols 0 and 1 build objects through copyreg.
            (Value::Global(m, n), Value::Tuple(a))
                if matches!(&**m, "copy_reg" | "copyreg")
                    && n == "_reconstructor"
                    && matches!(a.first(), Some(Value::Global(m, n))
                        if m == "joblib.numpy_pickle" && n == "NumpyArrayWrapper") =>
            {
                Value::ArrayWrapper
            }
            _ => Value::Object(format!("result of {name}")),
        };
        let args = args.render(self.budget.max_text);
        self.out.calls.push(PickleCall {
            callee: name,
            args,
            opcode: opcode.into(),
            offset,
        });
        result
    }

    /// One pickle, up to and including `STOP`.
    fn run(&mut self) -> Step {
        loop {
            self.ops += 1;
            if self.ops > self.budget.max_ops {
                return Err(format!("more than {} opcodes", self.budget.max_ops));
            }
            if let Some(f) = self.frame_end
                && self.pos >= f
            {
                self.frame_end = None;
            }
            let at = self.pos;
            let op = *self.take(1)?.first().unwrap_or(&0);
            match op {
                b'.' => {
                    // STOP returns the top of the stack; CPython fails on an empty one.
                    let v = self.pop()?;
                    self.out.results.push(v.render(self.budget.max_text));
                    return Ok(());
                }
                b'(' => self.stack.push(Item::Mark),
                b'0' => {
                    self.stack.pop().ok_or("POP on an empty stack")?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.push(v)?;
                }
                // Constants.
                b'N' => self.push(Value::None)?,
                0x88 => self.push(Value::Bool(true))?,
                0x89 => self.push(Value::Bool(false))?,
                b'I' => {
                    let l = self.line()?;
                    let v = match l.trim() {
                        "00" => Value::Bool(false),
                        "01" => Value::Bool(true),
                        t => t
                            .parse::<i128>()
                            .map(Value::Int)
                            .map_err(|_| format!("INT operand {t:?} is not a number"))?,
                    };
                    self.push(v)?;
                }
                b'J' => {
                    let v = self.uint(4)? as u32 as i32;
                    self.push(Value::Int(v as i128))?;
                }
                b'K' => {
                    let v = self.uint(1)?;
                    self.push(Value::Int(v as i128))?;
                }
                b'M' => {
                    let v = self.uint(2)?;
                    self.push(Value::Int(v as i128))?;
                }
                b'L' => {
                    let l = self.line()?;
                    let t = l.trim().trim_end_matches('L');
                    let v = t
                        .parse::<i128>()
                        .map(Value::Int)
                        .or_else(|_| {
                            t.strip_prefix('-')
                                .unwrap_or(t)
                                .bytes()
                                .all(|b| b.is_ascii_digit())
                                .then_some(Value::BigInt)
                                .ok_or(())
                        })
                        .map_err(|_| format!("LONG operand {t:?} is not a number"))?;
                    self.push(v)?;
                }
                0x8a => {
                    let n = self.len(1)?;
                    let b = self.take(n)?.to_vec();
                    self.push(small_long(&b))?;
                }
                0x8b => {
                    let n = self.len(4)?;
                    let b = self.take(n)?.to_vec();
                    self.push(small_long(&b))?;
                }
                b'F' => {
                    let l = self.line()?;
                    let v = l
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| format!("FLOAT operand {l:?} is not a number"))?;
                    self.push(Value::Float(v))?;
                }
                b'G' => {
                    let b = self.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push(Value::Float(f64::from_be_bytes(a)))?;
                }
                // Strings and bytes.
                b'S' => {
                    let l = self.line()?;
                    let t = l.trim_end();
                    let inner = t
                        .strip_prefix('\'')
                        .and_then(|s| s.strip_suffix('\''))
                        .or_else(|| t.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                        .ok_or("STRING operand is not quoted")?;
                    self.push_str(unescape(inner))?;
                }
                b'T' => {
                    let n = self.len(4)?;
                    let s = String::from_utf8_lossy(self.take(n)?).into_owned();
                    self.push_str(s)?;
                }
                b'U' => {
                    let n = self.len(1)?;
                    let s = String::from_utf8_lossy(self.take(n)?).into_owned();
                    self.push_str(s)?;
                }
                b'V' => {
                    let l = self.line()?;
                    self.push_str(raw_unicode_escape(&l))?;
                }
                b'X' | 0x8c | 0x8d => {
                    let n = match op {
                        b'X' => self.len(4)?,
                        0x8c => self.len(1)?,
                        _ => self.len(8)?,
                    };
                    let b = self.take(n)?;
                    let s = std::str::from_utf8(b)
                        .map_err(|_| "a unicode operand is not valid UTF-8".to_string())?
                        .to_string();
                    self.push_str(s)?;
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'B' => self.len(4)?,
                        b'C' => self.len(1)?,
                        _ => self.len(8)?,
                    };
                    let start = self.pos;
                    let bytes = self.take(n)?;
                    // A serialized payload carried as a constant (for a nested
                    // `pickle.loads`, `torch.load(io.BytesIO(...))`, ...) is inspected too.
                    if crate::sniff::embeds_payload(bytes) {
                        self.out.embedded.push(start..start + n);
                    }
                    self.push(Value::Bytes(n))?;
                }
                0x97 => self.push(Value::Buffer)?,
                0x98 => {
                    self.top()?;
                }
                // Containers.
                b')' => self.push(Value::Tuple(Vec::new()))?,
                b't' => {
                    let items = self.pop_mark()?;
                    self.push(Value::tuple(items))?;
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.push(Value::tuple(items))?;
                }
                b']' => self.push(Value::List)?,
                b'l' => {
                    self.pop_mark()?;
                    self.push(Value::List)?;
                }
                b'}' => self.push(Value::Dict(Some(Vec::new())))?,
                b'd' => {
                    let items = self.pop_mark()?;
                    let mut d = Value::Dict(Some(Vec::new()));
                    d.insert_pairs(items);
                    self.push(d)?;
                }
                0x8f => self.push(Value::Set)?,
                0x91 => {
                    self.pop_mark()?;
                    self.push(Value::Set)?;
                }
                b'a' => {
                    self.pop()?;
                    self.top()?;
                }
                b'e' | 0x90 => {
                    self.pop_mark()?;
                    self.top()?;
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.top()?.insert_pairs(vec![k, v]);
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.top()?.insert_pairs(items);
                }
                // Memo.
                b'p' => {
                    let l = self.line()?;
                    let k = l
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("PUT operand {l:?} is not a number"))?;
                    self.memo_put(k)?;
                }
                b'q' => {
                    let k = self.uint(1)?;
                    self.memo_put(k)?;
                }
                b'r' => {
                    let k = self.uint(4)?;
                    self.memo_put(k)?;
                }
                0x94 => {
                    let k = self.memo.len() as u64;
                    self.memo_put(k)?;
                }
                b'g' => {
                    let l = self.line()?;
                    let k = l
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("GET operand {l:?} is not a number"))?;
                    self.memo_get(k)?;
                }
                b'h' => {
                    let k = self.uint(1)?;
                    self.memo_get(k)?;
                }
                b'j' => {
                    let k = self.uint(4)?;
                    self.memo_get(k)?;
                }
                // Globals and calls.
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let g = self.import(module, name, at);
                    self.push(g)?;
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err("STACK_GLOBAL operands are not both strings".into());
                    };
                    let g = self.import(module.to_string(), name.to_string(), at);
                    self.push(g)?;
                }
                b'i' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let args = self.pop_mark()?;
                    let class = self.import(module, name, at);
                    let r = self.call(&class, &Value::tuple(args), "INST", at);
                    self.push(r)?;
                }
                b'o' => {
                    let mut items = self.pop_mark()?;
                    if items.is_empty() {
                        return Err("OBJ without a class".into());
                    }
                    let class = items.remove(0);
                    let r = self.call(&class, &Value::tuple(items), "OBJ", at);
                    self.push(r)?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let f = self.pop()?;
                    let r = self.call(&f, &args, "REDUCE", at);
                    self.push(r)?;
                }
                0x81 => {
                    let args = self.pop()?;
                    let class = self.pop()?;
                    let r = self.call(&class, &args, "NEWOBJ", at);
                    self.push(r)?;
                }
                0x92 => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let class = self.pop()?;
                    let both = Value::Tuple(vec![args, kwargs]);
                    let r = self.call(&class, &both, "NEWOBJ_EX", at);
                    self.push(r)?;
                }
                b'b' => {
                    // `obj.__setstate__(state)` or a dict update: the object's class decides.
                    let state = self.pop()?;
                    let obj = self.top()?.clone();
                    if let Value::Object(_)
                    | Value::Global(..)
                    | Value::Dtype { .. }
                    | Value::ArrayWrapper = obj
                    {
                        let args = state.render(self.budget.max_text);
                        self.out.calls.push(PickleCall {
                            callee: format!("{}.__setstate__", obj.callee()),
                            args: format!("({args},)"),
                            opcode: "BUILD".into(),
                            offset: at,
                        });
                    }
                    match (self.top()?, &state) {
                        // numpy.dtype state: (version, byteorder, subarray, names, fields,
                        // elsize, alignment, flags); elsize is what flexible types lack.
                        (
                            Value::Dtype {
                                elsize, objects, ..
                            },
                            Value::Tuple(t),
                        ) => {
                            if let Some(Value::Int(n)) = t.get(5)
                                && *n > 0
                            {
                                *elsize = u64::try_from(*n).ok();
                            }
                            // NPY_ITEM_REFCOUNT: the type holds Python objects.
                            if let Some(Value::Int(flags)) = t.get(7) {
                                *objects = flags & 1 != 0;
                            }
                        }
                        (Value::ArrayWrapper, state) => joblib::skip_array(self, state)?,
                        _ => {}
                    }
                }
                0x82..=0x84 => {
                    let code = match op {
                        0x82 => self.uint(1)?,
                        0x83 => self.uint(2)?,
                        _ => self.uint(4)?,
                    };
                    // copyreg's extension registry is empty unless the loading process filled
                    // it: what the code names cannot be known from the stream.
                    return Err(format!(
                        "extension code {code} names a global through copyreg's registry, \
                         which the stream does not contain"
                    ));
                }
                b'P' => {
                    self.line()?;
                    self.push(Value::Persistent)?;
                }
                b'Q' => {
                    self.pop()?;
                    self.push(Value::Persistent)?;
                }
                0x80 => {
                    let p = self.uint(1)? as u8;
                    if p > 5 {
                        return Err(format!("unsupported pickle protocol {p}"));
                    }
                    self.out.protocol = self.out.protocol.max(p);
                }
                0x95 => {
                    if self.frame_end.is_some_and(|f| at < f) {
                        self.frame_violation = true;
                        return Err("a frame begins before the current frame ends".into());
                    }
                    let n = self.uint(8)?;
                    let end = usize::try_from(n)
                        .ok()
                        .and_then(|n| self.pos.checked_add(n))
                        .filter(|&e| e <= self.data.len())
                        .ok_or_else(|| format!("a frame of {n} bytes runs past the data"))?;
                    self.frame_end = Some(end);
                }
                other => {
                    return Err(format!("invalid opcode 0x{other:02x}"));
                }
            }
        }
    }
}

/// A little-endian two's-complement integer (`LONG1`/`LONG4`), if it fits.
fn small_long(b: &[u8]) -> Value {
    if b.is_empty() {
        return Value::Int(0);
    }
    if b.len() > 16 {
        return Value::BigInt;
    }
    let mut v: i128 = 0;
    for (i, byte) in b.iter().enumerate() {
        v |= (*byte as i128) << (8 * i);
    }
    let bits = 8 * b.len() as u32;
    if bits < 128 && b[b.len() - 1] & 0x80 != 0 {
        v -= 1i128 << bits;
    }
    Value::Int(v)
}

/// Python's string-escape decoding of a protocol-0 `STRING` operand (the common escapes).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&h, 16) {
                    Ok(b) => out.push(b as char),
                    Err(_) => out.push_str(&format!("\\x{h}")),
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Python's `raw-unicode-escape` decoding (`UNICODE` operands): `\uXXXX` and `\UXXXXXXXX`.
fn raw_unicode_escape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (width, skip) = match tail.as_bytes().get(1) {
            Some(b'u') => (4, 2),
            Some(b'U') => (8, 2),
            _ => (0, 0),
        };
        let decoded = (width > 0)
            .then(|| tail.get(skip..skip + width))
            .flatten()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[skip + width..];
            }
            None => {
                out.push('\\');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_zero_reduce_is_reconstructed() {
        let a = analyze(b"cos\nsystem\n(S'echo hi'\ntR.", &Budget::default());
        assert_eq!(a.imports.len(), 1);
        assert_eq!(
            (a.imports[0].module.as_str(), a.imports[0].name.as_str()),
            ("os", "system")
        );
        assert_eq!(a.calls[0].callee, "os.system");
        assert_eq!(a.calls[0].args, "(\"echo hi\",)");
        assert!(a.error.is_none());
    }

    #[test]
    fn stack_global_takes_operands_from_the_memo() {
        // SHORT_BINUNICODE "builtins" MEMOIZE, SHORT_BINUNICODE "eval" MEMOIZE, POP POP,
        // BINGET 0, BINGET 1, STACK_GLOBAL.
        let mut s = vec![0x80, 4, 0x8c, 8];
        s.extend_from_slice(b"builtins");
        s.extend_from_slice(&[0x94, 0x8c, 4]);
        s.extend_from_slice(b"eval");
        s.extend_from_slice(&[0x94, b'0', b'0', b'h', 0, b'h', 1, 0x93, b'.']);
        let a = analyze(&s, &Budget::default());
        assert_eq!(a.imports[0].name, "eval");
        assert_eq!(a.imports[0].module, "builtins");
        assert!(a.error.is_none(), "{:?}", a.error);
    }

    #[test]
    fn truncated_streams_keep_what_came_before_the_break() {
        let a = analyze(b"cos\nsystem\n(S'id'\ntR", &Budget::default());
        assert_eq!(a.imports.len(), 1);
        assert_eq!(a.calls.len(), 1);
        assert!(a.error.is_some());
        assert_eq!(a.pickles, 0);
    }

    /// payload-evasions §11: a 2-byte frame followed by a BINBYTES whose operand runs past
    /// it (CPython's file reader would execute the opcodes inside), and a frame opened inside
    /// another. Both are violations the policy treats as dangerous.
    #[test]
    fn frame_violations_are_marked() {
        let mut crossing = vec![0x80, 5, 0x95, 2, 0, 0, 0, 0, 0, 0, 0];
        crossing.extend([b'B', 0x07, 0x01, 0, 0]);
        crossing.extend(b"cos\nsystem\n(S'id'\ntR.");
        crossing.resize(crossing.len() + 0x107, b'N');
        let a = analyze(&crossing, &Budget::default());
        assert!(a.error.as_ref().unwrap().frame_violation, "{:?}", a.error);
        assert_eq!(
            crate::policy::judge(&a).0,
            trustscan_core::Judgement::Dangerous
        );
        let nested = [
            0x80, 4, 0x95, 11, 0, 0, 0, 0, 0, 0, 0, b'N', 0x95, 1, 0, 0, 0, 0, 0, 0, 0, b'.',
        ];
        let a = analyze(&nested, &Budget::default());
        assert!(a.error.as_ref().unwrap().frame_violation, "{:?}", a.error);
        // An ordinary protocol-4 stream with frames is no violation.
        let ok = [0x80, 4, 0x95, 2, 0, 0, 0, 0, 0, 0, 0, b'N', b'.'];
        assert!(analyze(&ok, &Budget::default()).error.is_none());
    }

    #[test]
    fn hostile_lengths_and_frames_are_errors() {
        let a = analyze(
            &[
                0x80, 4, 0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ],
            &Budget::default(),
        );
        assert!(a.error.unwrap().reason.contains("frame"));
        let a = analyze(
            &[0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &Budget::default(),
        );
        assert!(a.error.is_some());
        let a = analyze(b"\xff", &Budget::default());
        assert!(a.error.unwrap().reason.contains("invalid opcode"));
    }

    #[test]
    fn exponential_memo_trees_stay_small() {
        // () PUT 0, then 200 times: GET 0, GET 0, TUPLE2, PUT 0 (2^200 leaves if expanded).
        let mut s = vec![0x80, 2, b')', b'q', 0];
        for _ in 0..200 {
            s.extend_from_slice(&[b'h', 0, b'h', 0, 0x86, b'q', 0]);
        }
        s.extend_from_slice(b"cos\nsystem\nh\x00R.");
        let a = analyze(&s, &Budget::default());
        assert!(a.error.is_none(), "{:?}", a.error);
        assert!(a.calls[0].args.len() < 300, "{}", a.calls[0].args);
    }

    #[test]
    fn escapes_decode_like_python() {
        assert_eq!(unescape(r"a\x41\n"), "aA\n");
        assert_eq!(raw_unicode_escape(r"x\u00e9\U0001F600\q"), "xé😀\\q");
        assert!(matches!(small_long(&[0xff]), Value::Int(-1)));
        assert!(matches!(small_long(&[0x00, 0x01]), Value::Int(256)));
    }
}

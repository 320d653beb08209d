// Indicators and techniques from publicly documented malicious model repositories. The rules
// describe the technique (what the payload does and where it sits), not a copied sample.
// Written for trustscan.

rule TS_Known_PickleReduceReverseShell {
  meta:
    description = "Pickle stream whose __reduce__ calls exec/eval/os.system/subprocess on a payload that opens a network connection and a shell: the technique of the reverse-shell PyTorch models reported on Hugging Face (JFrog 2024, baller423; ReversingLabs 2025, nullifAI)"
    severity = "high"
    category = "known-malicious"
  strings:
    // GLOBAL opcode (protocols 0-3): 'c' module '\n' name '\n'
    $g_exec = /c(__builtin__|builtins)\n(exec|eval|compile|__import__)\n/
    $g_sys = /c(os|posix|nt)\n(system|popen|execv|execvp|execl|execlp|spawnl|spawnv|startfile)\n/
    $g_sub = /csubprocess\n(Popen|call|run|check_call|check_output|getoutput|getstatusoutput)\n/
    $g_runpy = /crunpy\n_run_(code|module)\n/
    $g_pty = "cpty\nspawn\n"
    // STACK_GLOBAL (protocol 4+): SHORT_BINUNICODE module, optional MEMOIZE, SHORT_BINUNICODE name
    $sg_exec = /\x8c(\x08builtins|\x0b__builtin__)\x94?\x8c\x04(exec|eval)/
    $sg_sys = /\x8c(\x02os|\x05posix|\x02nt)\x94?\x8c(\x06system|\x05popen)/
    $sg_sub = /\x8c\x0asubprocess\x94?\x8c(\x05Popen|\x04call|\x03run|\x0ccheck_output)/
    $sg_runpy = /\x8c\x05runpy\x94?\x8c\x09_run_code/
    $net_connect = /\.connect\(\s*\(/ private
    $net_socket = "socket" private
    $net_devtcp = "/dev/tcp/" private
    $net_nc = /\b(nc|ncat)\s+[^\n]{0,80}-[ec]\s/ private
    $shell = /\/bin\/(ba|z|da)?sh\b|cmd\.exe|pty\.spawn|powershell/ nocase private
  condition:
    any of ($g_*, $sg_*) and (
      ($net_socket and $net_connect and $shell) or $net_devtcp or $net_nc
    )
}

rule TS_Known_PickleReduceDownloader {
  meta:
    description = "Pickle stream whose __reduce__ calls exec/os.system/subprocess on a payload that downloads more code (curl, wget, urlopen, requests, PowerShell web cradles): the second-stage loader technique seen in malicious Hugging Face models"
    severity = "high"
    category = "known-malicious"
  strings:
    $g_exec = /c(__builtin__|builtins)\n(exec|eval|compile|__import__)\n/
    $g_sys = /c(os|posix|nt)\n(system|popen|execv|execvp|execl|execlp|spawnl|spawnv|startfile)\n/
    $g_sub = /csubprocess\n(Popen|call|run|check_call|check_output|getoutput|getstatusoutput)\n/
    $g_runpy = /crunpy\n_run_(code|module)\n/
    $sg_exec = /\x8c(\x08builtins|\x0b__builtin__)\x94?\x8c\x04(exec|eval)/
    $sg_sys = /\x8c(\x02os|\x05posix|\x02nt)\x94?\x8c(\x06system|\x05popen)/
    $sg_sub = /\x8c\x0asubprocess\x94?\x8c(\x05Popen|\x04call|\x03run|\x0ccheck_output)/
    $sg_runpy = /\x8c\x05runpy\x94?\x8c\x09_run_code/
    $dl_shell = /\b(curl|wget)\s[^\n]{0,200}https?:\/\// private
    $dl_py = /\b(urlopen|urlretrieve|requests\.get|httpx\.get)\s*\(/ private
    $dl_ps = /(DownloadString|DownloadFile|Invoke-WebRequest|Invoke-RestMethod)\b/ nocase private
  condition:
    any of ($g_*, $sg_*) and any of ($dl_*)
}

rule TS_Known_ReportedC2Address {
  meta:
    description = "Connect-back address publicly reported in malicious Hugging Face models (107.173.7.141: ReversingLabs nullifAI, Feb 2025)"
    severity = "high"
    category = "known-malicious"
  strings:
    $nullifai_2025 = "107.173.7.141"
  condition:
    any of them
}

rule TS_Known_JinjaTemplateSandboxEscape {
  meta:
    description = "Jinja template (chat template, prompt template) reaching Python internals (__globals__, __subclasses__, __builtins__, __mro__) to escape the sandbox: the server-side template injection used against chat templates in GGUF models (CVE-2024-34359)"
    severity = "high"
    category = "known-malicious"
  strings:
    // Up to 300 characters between the tag and the escape, written as two gaps of 150: YARA-X
    // splits a pattern at any single gap above 200 and then looks for "{{" and "{%" on their
    // own, which Python source is full of (f-strings); as one pattern it starts from the
    // rare "__globals__"-like part and looks back.
    $escape = /\{[{%].{0,150}.{0,150}(\.|\|\s*attr\(\s*["']|\[\s*["'])__(globals|subclasses|builtins|mro|getattribute)__\b/s
    $tpl_ref = "_TemplateReference__context"
  condition:
    any of them
}

// Obfuscated execution: code that is decoded, decompressed or assembled at run time and then
// executed, so the code that runs is not the code a reader sees. Written for trustscan.

rule TS_Obf_ExecOfDecodedData {
  meta:
    description = "exec/eval (or compile) applied directly to decoded or decompressed data: base64, zlib/bz2/lzma, marshal, codecs, hex"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $exec_decode = /(^|[^.\w])(exec|eval)\s*\(\s*(compile\s*\(\s*)?(__import__\(\s*["']\w+["']\s*\)|base64|zlib|bz2|lzma|gzip|marshal|codecs|binascii|pickle)\.(b64decode|b32decode|b16decode|b85decode|a85decode|urlsafe_b64decode|decodebytes|decompress|loads|decode|unhexlify|a2b_base64|a2b_hex)\s*\(/
    $exec_fromhex = /(^|[^.\w])(exec|eval)\s*\(\s*(compile\s*\(\s*)?bytes\.fromhex\s*\(/
    $func_marshal = /\b(types\.)?FunctionType\s*\(\s*marshal\.loads\s*\(/
  condition:
    any of them
}

rule TS_Obf_EncodedPythonPayload {
  meta:
    description = "Base64 text that encodes Python or shell payload code (imports of os/socket/subprocess, os.system, /bin/sh), decoded and executed in the same buffer"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $b_import_os = "import os" base64
    $b_import_socket = "import socket" base64
    $b_import_subprocess = "import subprocess" base64
    $b_import_pty = "import pty" base64
    $b_os_system = "os.system(" base64
    $b_popen = ".Popen(" base64
    $b_binsh = "/bin/sh" base64
    $b_binbash = "/bin/bash" base64
    $b_dunder_import = "__import__(" base64
    $b_exec = "exec(" base64
    $decode = /\b(b64decode|decodebytes|a2b_base64|b64decode)\s*\(/ private
    $exec = /(^|[^.\w])(exec|eval|compile)\s*\(\s*[^)\s]/ private
  condition:
    any of ($b_*) and $decode and $exec
}

rule TS_Obf_DynamicImportExec {
  meta:
    description = "Modules or builtins reached through string names to hide a call: __import__('os').system, getattr(__import__(...)), builtins looked up by name"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $imp_call = /__import__\(\s*["'](os|subprocess|pty|socket|posix|nt|commands)["']\s*\)\s*\.\s*(system|popen|Popen|call|run|check_output|spawn|exec[lv]p?e?|spawn[lv]p?e?|socket)\b/
    $getattr_imp = /getattr\(\s*__import__\(\s*["'](os|subprocess|builtins|__builtin__|pty|socket)["']\s*\)\s*,\s*["'](system|popen|Popen|call|run|exec|eval|spawn|check_output)["']/
    $builtins_name = /(__builtins__|builtins\.__dict__|vars\(\s*__builtins__\s*\)|globals\(\)\s*\[\s*["']__builtins__["']\s*\])\s*(\.__dict__)?\s*\[\s*["'](exec|eval|__import__|compile)["']\s*\]/
    $getattr_builtin = /getattr\(\s*(__builtins__|builtins|__import__\(\s*["']builtins["']\s*\))\s*,\s*["'](exec|eval|__import__|compile)["']/
  condition:
    any of them
}

rule TS_Obf_ImportOfDecoderByName {
  meta:
    description = "A decoding module imported through __import__('base64'|'zlib'|'marshal'|'codecs') and combined with exec/eval"
    severity = "medium"
    category = "obfuscated-exec"
  strings:
    $imp = /__import__\(\s*["'](base64|zlib|marshal|codecs|binascii|bz2|lzma)["']\s*\)/
    $exec = /(^|[^.\w])(exec|eval)\s*\(\s*[^)\s]/ private
  condition:
    $imp and $exec
}

rule TS_Obf_CharCodeAssembly {
  meta:
    description = "Source assembled from character codes or escapes and executed: exec(''.join(chr(...))), exec('\\x69\\x6d...'), long chr()+chr() chains"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $join_chr = /(^|[^.\w])(exec|eval)\s*\(\s*(str\(\)|["']{2})\s*\.join\s*\(\s*[\[(]?\s*(map\s*\(\s*chr\b|chr\s*\()/
    $hex_escaped = /(^|[^.\w])(exec|eval)\s*\(\s*b?["'](\\x[0-9a-fA-F]{2}){8}/
    $octal_escaped = /(^|[^.\w])(exec|eval)\s*\(\s*b?["'](\\[0-7]{3}){8}/
    $chr_chain = /chr\(\s*(0x)?[0-9a-fA-F]{2,3}\s*\)\s*\+\s*chr\(\s*(0x)?[0-9a-fA-F]{2,3}\s*\)\s*\+\s*chr\(\s*(0x)?[0-9a-fA-F]{2,3}\s*\)/
    $exec = /(^|[^.\w])(exec|eval)\s*\(\s*[^)\s]/ private
  condition:
    $join_chr or $hex_escaped or $octal_escaped or (#chr_chain >= 2 and $exec)
}

rule TS_Obf_Rot13Exec {
  meta:
    description = "Source decoded with the rot13 codec and executed"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $rot = /["']rot[_\-]?13["']/ private
    $codecs = /codecs\.(decode|encode)\s*\(/
    $exec = /(^|[^.\w])(exec|eval)\s*\(\s*[^)\s]/ private
  condition:
    $rot and $codecs and $exec
}

rule TS_Obf_PowerShellEncodedCommand {
  meta:
    description = "PowerShell started with an encoded (base64) command"
    severity = "high"
    category = "obfuscated-exec"
  strings:
    $enc = /powershell(\.exe)?["']?(\s[^\n]{0,120})?\s-(e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedcommand)\s+["']?[A-Za-z0-9+\/=]{20,}/ nocase
  condition:
    $enc
}

rule TS_Obf_KerasLambdaBytecode {
  meta:
    description = "Keras Lambda layer carrying marshalled Python bytecode (base64 of a code object), which Keras turns back into a function at load"
    severity = "medium"
    category = "obfuscated-exec"
  strings:
    $lambda = /["']class_name["']\s*:\s*["']Lambda["']/ private
    $code = /["'](function|code)["']\s*:\s*(\[\s*)?["']4w[A-Za-z0-9+\/]{40}/
  condition:
    $lambda and $code
}

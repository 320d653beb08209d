// Credential and token exfiltration: secrets read on the user's machine and sent to a channel an
// attacker controls. Written for trustscan.

rule TS_Exfil_SecretsToDropChannel {
  meta:
    description = "Reads tokens or credentials (HF token, SSH keys, cloud credentials, the whole environment) near a drop channel (chat webhook, bot API, paste or request-capture site, tunnel, raw-IP URL): within 600 bytes, or anywhere in a buffer under 16 KB"
    severity = "high"
    category = "exfiltration"
  strings:
    // The two alternations below are the same lists (secrets, channels) in both orders.
    $secret_then_channel = /(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_TOKEN|HF_API_TOKEN|huggingface[\/\\]+(stored_)?token|\.ssh[\/\\]+(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys)|\.aws[\/\\]+(credentials|config)|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|OPENAI_API_KEY|ANTHROPIC_API_KEY|GITHUB_TOKEN|WANDB_API_KEY|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CLIENT_SECRET|\.netrc|\.git-credentials|\.docker[\/\\]+config\.json|\.kube[\/\\]+config|\/etc\/(shadow|passwd)|dict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|os\.environ\.items\(\)|str\(\s*os\.environ\s*\)|json\.dumps\(\s*(dict\()?\s*os\.environ|\*\*os\.environ).{0,600}(discord(app)?\.com\/api\/webhooks\/|hooks\.slack\.com\/|api\.telegram\.org\/bot|pastebin\.com\/api|paste\.ee\/|hastebin\.com|dpaste\.(com|org)\/api|termbin\.com|transfer\.sh|0x0\.st|bashupload\.com|webhook\.site|requestbin\.|pipedream\.net|beeceptor\.com|interact\.sh|oast\.(pro|live|site|online|fun|me)|burpcollaborator\.net|requestcatcher\.com|\.ngrok\.io|\.ngrok-free\.app|\.ngrok\.app|\.trycloudflare\.com|serveo\.net|\.loca\.lt|localhost\.run|https?:\/\/([1-9]|[1-9]\d|1[01]\d|12[0-689]|1[3-9]\d|2[0-4]\d|25[0-5])\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?[\/"'])/s
    $channel_then_secret = /(discord(app)?\.com\/api\/webhooks\/|hooks\.slack\.com\/|api\.telegram\.org\/bot|pastebin\.com\/api|paste\.ee\/|hastebin\.com|dpaste\.(com|org)\/api|termbin\.com|transfer\.sh|0x0\.st|bashupload\.com|webhook\.site|requestbin\.|pipedream\.net|beeceptor\.com|interact\.sh|oast\.(pro|live|site|online|fun|me)|burpcollaborator\.net|requestcatcher\.com|\.ngrok\.io|\.ngrok-free\.app|\.ngrok\.app|\.trycloudflare\.com|serveo\.net|\.loca\.lt|localhost\.run|https?:\/\/([1-9]|[1-9]\d|1[01]\d|12[0-689]|1[3-9]\d|2[0-4]\d|25[0-5])\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?[\/"']).{0,600}(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_TOKEN|HF_API_TOKEN|huggingface[\/\\]+(stored_)?token|\.ssh[\/\\]+(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys)|\.aws[\/\\]+(credentials|config)|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|OPENAI_API_KEY|ANTHROPIC_API_KEY|GITHUB_TOKEN|WANDB_API_KEY|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CLIENT_SECRET|\.netrc|\.git-credentials|\.docker[\/\\]+config\.json|\.kube[\/\\]+config|\/etc\/(shadow|passwd)|dict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|os\.environ\.items\(\)|str\(\s*os\.environ\s*\)|json\.dumps\(\s*(dict\()?\s*os\.environ|\*\*os\.environ)/s
    $secret = /(HF_TOKEN|HUGGING_FACE_HUB_TOKEN|HUGGINGFACE_TOKEN|HF_API_TOKEN|huggingface[\/\\]+(stored_)?token|\.ssh[\/\\]+(id_(rsa|dsa|ecdsa|ed25519)|authorized_keys)|\.aws[\/\\]+(credentials|config)|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|OPENAI_API_KEY|ANTHROPIC_API_KEY|GITHUB_TOKEN|WANDB_API_KEY|GOOGLE_APPLICATION_CREDENTIALS|AZURE_CLIENT_SECRET|\.netrc|\.git-credentials|\.docker[\/\\]+config\.json|\.kube[\/\\]+config|\/etc\/(shadow|passwd)|dict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|os\.environ\.items\(\)|str\(\s*os\.environ\s*\)|json\.dumps\(\s*(dict\()?\s*os\.environ|\*\*os\.environ)/ private
    $channel = /(discord(app)?\.com\/api\/webhooks\/|hooks\.slack\.com\/|api\.telegram\.org\/bot|pastebin\.com\/api|paste\.ee\/|hastebin\.com|dpaste\.(com|org)\/api|termbin\.com|transfer\.sh|0x0\.st|bashupload\.com|webhook\.site|requestbin\.|pipedream\.net|beeceptor\.com|interact\.sh|oast\.(pro|live|site|online|fun|me)|burpcollaborator\.net|requestcatcher\.com|\.ngrok\.io|\.ngrok-free\.app|\.ngrok\.app|\.trycloudflare\.com|serveo\.net|\.loca\.lt|localhost\.run|https?:\/\/([1-9]|[1-9]\d|1[01]\d|12[0-689]|1[3-9]\d|2[0-4]\d|25[0-5])\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?[\/"'])/ private
  condition:
    $secret_then_channel or $channel_then_secret or
    (filesize < 16KB and $secret and $channel)
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

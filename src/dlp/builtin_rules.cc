// Custody's built-in DLP rules, in gitleaks' TOML format (see README.md for the table).
#include <cassert>
#include <string_view>

#include "dlp/rules.h"

namespace custody::dlp {

namespace {

constexpr std::string_view kBuiltinToml = R"toml(
title = "Custody built-in rules"
description = "Compact secret rules written for Custody from the providers' documented token formats."

# Placeholders that documentation, templates and tests use instead of real values.
[[allowlists]]
description = "Placeholders: xxxx, ****, <name>, ${VAR}, {{var}}, %VAR%, your-..., changeme"
regexes = [
  '''^(?:[xX*.#-]{4,}|0{8,})$''',
  '''^<[^<>]{1,100}>$''',
  '''\$\{[^}]{1,100}\}''',
  '''\{\{[^}]{1,100}\}\}''',
  '''^%[A-Za-z0-9_]{1,100}%$''',
  '''(?i)^(?:your|my)[_-]''',
]
stopwords = ["xxxxxxxx", "changeme", "placeholder", "redacted", "<your", "your_api_key", "your-api-key"]

# --- Cloud ---

[[rules]]
id = "aws-access-key-id"
description = "AWS access key ID (long-term AKIA, temporary ASIA)"
regex = '''\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b'''
keywords = ["akia", "asia", "abia", "acca"]
tags = ["key", "cloud", "aws"]
entropy = 3.0
[[rules.allowlists]]
description = "AWS documentation's example key"
regexes = ['''EXAMPLE$''']

[[rules]]
id = "aws-secret-access-key"
description = "AWS secret access key assigned to an AWS-named variable"
regex = '''(?i)aws[\w.-]{0,20}?(?:secret|private)?[\w.-]{0,20}?key[\w.-]{0,10}[\s'"]{0,3}(?:=|:|:=|=>)[\s'"]{0,5}([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)'''
keywords = ["aws"]
tags = ["key", "cloud", "aws"]
entropy = 4.0
[[rules.allowlists]]
description = "AWS documentation's example secret"
stopwords = ["examplekey"]

[[rules]]
id = "azure-storage-connection-string"
description = "Azure Storage connection string with an account key"
regex = '''(?i)DefaultEndpointsProtocol=https?;AccountName=[a-z0-9]{3,24};AccountKey=([A-Za-z0-9+/]{86}==)'''
keywords = ["accountkey="]
tags = ["key", "cloud", "azure"]
entropy = 4.0

[[rules]]
id = "google-api-key"
description = "Google API key"
regex = '''\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)'''
keywords = ["aiza"]
tags = ["key", "cloud", "google"]
entropy = 3.5

[[rules]]
id = "google-oauth-client-secret"
description = "Google OAuth client secret"
regex = '''\b(GOCSPX-[A-Za-z0-9_-]{28})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["gocspx-"]
tags = ["key", "cloud", "google"]
entropy = 3.0

[[rules]]
id = "digitalocean-token"
description = "DigitalOcean personal access, OAuth or refresh token"
regex = '''\b(do[opr]_v1_[a-f0-9]{64})\b'''
keywords = ["dop_v1_", "doo_v1_", "dor_v1_"]
tags = ["key", "cloud", "digitalocean"]
entropy = 3.0

# --- AI providers ---

[[rules]]
id = "openai-api-key"
description = "OpenAI API key (project, service-account, admin or legacy user key)"
regex = '''\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"]
tags = ["key", "ai", "openai"]
entropy = 3.5

[[rules]]
id = "anthropic-api-key"
description = "Anthropic API or admin key"
regex = '''\b(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,120})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["sk-ant-"]
tags = ["key", "ai", "anthropic"]
entropy = 3.5

[[rules]]
id = "huggingface-token"
description = "Hugging Face user or organisation access token"
regex = '''\b((?:hf_|api_org_)[A-Za-z]{34})\b'''
keywords = ["hf_", "api_org_"]
tags = ["key", "ai", "huggingface"]
entropy = 3.5

[[rules]]
id = "replicate-api-token"
description = "Replicate API token"
regex = '''\b(r8_[A-Za-z0-9]{37})\b'''
keywords = ["r8_"]
tags = ["key", "ai", "replicate"]
entropy = 3.5

[[rules]]
id = "stability-api-key"
description = "Stability AI API key assigned to a Stability-named variable"
regex = '''(?i)stability[\w.-]{0,30}[\s'"]{0,3}(?:=|:|:=|=>|\bBearer)[\s'"]{0,5}(sk-[A-Za-z0-9]{48})\b'''
keywords = ["stability"]
tags = ["key", "ai", "stability"]
entropy = 3.5

# --- Source control and packages ---

[[rules]]
id = "github-pat"
description = "GitHub personal access token (classic)"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
keywords = ["ghp_"]
tags = ["key", "vcs", "github"]
entropy = 3.0

[[rules]]
id = "github-fine-grained-pat"
description = "GitHub fine-grained personal access token"
regex = '''\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b'''
keywords = ["github_pat_"]
tags = ["key", "vcs", "github"]
entropy = 3.0

[[rules]]
id = "github-oauth-token"
description = "GitHub OAuth access token"
regex = '''\b(gho_[A-Za-z0-9]{36})\b'''
keywords = ["gho_"]
tags = ["key", "vcs", "github"]
entropy = 3.0

[[rules]]
id = "github-app-token"
description = "GitHub App user-to-server, server-to-server or refresh token"
regex = '''\b((?:ghu|ghs)_[A-Za-z0-9]{36}|ghr_[A-Za-z0-9]{36,76})\b'''
keywords = ["ghu_", "ghs_", "ghr_"]
tags = ["key", "vcs", "github"]
entropy = 3.0

[[rules]]
id = "gitlab-pat"
description = "GitLab personal, project or group access token"
regex = '''\b(glpat-[A-Za-z0-9_-]{20,64})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["glpat-"]
tags = ["key", "vcs", "gitlab"]
entropy = 3.0

[[rules]]
id = "gitlab-token"
description = "GitLab runner, deploy, trigger, feed, agent or OAuth application token"
regex = '''\b(gl(?:rt|dt|ptt|ft|soat|oas|cbt|agent)-[A-Za-z0-9_-]{20,64})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["glrt-", "gldt-", "glptt-", "glft-", "glsoat-", "gloas-", "glcbt-", "glagent-"]
tags = ["key", "vcs", "gitlab"]
entropy = 3.0

[[rules]]
id = "npm-token"
description = "npm access token"
regex = '''\b(npm_[A-Za-z0-9]{36})\b'''
keywords = ["npm_"]
tags = ["key", "package", "npm"]
entropy = 3.0

[[rules]]
id = "pypi-token"
description = "PyPI API token"
regex = '''\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,300})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["pypi-ageichlwas5vcmc"]
tags = ["key", "package", "pypi"]

# --- Chat, mail and payment ---

[[rules]]
id = "slack-bot-token"
description = "Slack bot token"
regex = '''\b(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24})\b'''
keywords = ["xoxb-"]
tags = ["key", "chat", "slack"]

[[rules]]
id = "slack-user-token"
description = "Slack user or refresh token"
regex = '''\b(xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32})\b'''
keywords = ["xoxp-", "xoxe-"]
tags = ["key", "chat", "slack"]

[[rules]]
id = "slack-app-token"
description = "Slack app-level token"
regex = '''\b(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64})\b'''
keywords = ["xapp-"]
tags = ["key", "chat", "slack"]

[[rules]]
id = "slack-webhook-url"
description = "Slack incoming webhook URL"
regex = '''hooks\.slack\.com/services/(T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})\b'''
keywords = ["hooks.slack.com"]
tags = ["key", "chat", "slack"]

[[rules]]
id = "discord-bot-token"
description = "Discord bot token"
regex = '''\b([MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_.-]|$)'''
keywords = ["discord"]
tags = ["key", "chat", "discord"]
entropy = 4.0

[[rules]]
id = "sendgrid-api-key"
description = "SendGrid API key"
regex = '''\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)'''
keywords = ["sg."]
tags = ["key", "mail", "sendgrid"]
entropy = 4.0

[[rules]]
id = "twilio-api-key"
description = "Twilio auth token or API key secret assigned to a Twilio-named variable"
regex = '''(?i)twilio[\w.-]{0,30}(?:token|secret|key)[\w.-]{0,10}[\s'"]{0,3}(?:=|:|:=|=>)[\s'"]{0,5}([a-f0-9]{32})\b'''
keywords = ["twilio"]
tags = ["key", "chat", "twilio"]
entropy = 3.0

[[rules]]
id = "stripe-secret-key"
description = "Stripe secret key (live or test)"
regex = '''\b(sk_(?:live|test)_[A-Za-z0-9]{24,247})\b'''
keywords = ["sk_live_", "sk_test_"]
tags = ["key", "payment", "stripe"]
entropy = 3.0

[[rules]]
id = "stripe-restricted-key"
description = "Stripe restricted key (live or test)"
regex = '''\b(rk_(?:live|test)_[A-Za-z0-9]{24,247})\b'''
keywords = ["rk_live_", "rk_test_"]
tags = ["key", "payment", "stripe"]
entropy = 3.0

[[rules]]
id = "stripe-webhook-secret"
description = "Stripe webhook signing secret"
regex = '''\b(whsec_[A-Za-z0-9]{32,64})\b'''
keywords = ["whsec_"]
tags = ["key", "payment", "stripe"]
entropy = 3.0

# --- Keys and tokens in standard formats ---

[[rules]]
id = "private-key"
description = "Private key in a PEM block (RSA, EC, DSA, OpenSSH, PGP, PKCS#8, encrypted)"
regex = '''-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]{40,}?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----'''
keywords = ["-----begin"]
tags = ["key", "private-key"]

[[rules]]
id = "jwt"
description = "JSON Web Token (JWS compact form)"
regex = '''\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)'''
keywords = ["eyj"]
tags = ["token", "jwt"]
entropy = 3.0

[[rules]]
id = "url-basic-auth"
description = "Password in a URL's user information (scheme://user:password@host)"
regex = '''\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:@/<>"']{1,64}:([^\s:@/<>"']{3,128})@[A-Za-z0-9.-]{1,253}'''
keywords = ["://"]
tags = ["password", "url"]
[[rules.allowlists]]
description = "Obvious placeholder passwords"
regexes = ['''(?i)^(?:pass(?:word)?|pwd|secret|changeme|x+|\*+|\$[A-Za-z_{(][^@]*|<[^>]*>|\{\{.*\}\}|%[^%]+%|:?[a-z_]*pass[a-z_]*)$''']

# --- Generic assignments (last: specific rules take precedence) ---

[[rules]]
id = "generic-secret-assignment"
description = "High-entropy quoted value assigned to a secret-named variable"
regex = '''(?i)(?:api[_.-]?key|apikey|secret|token|passw(?:or)?d|access[_.-]?key|credential|auth[_.-]?key)[\w.-]{0,20}[\s'"]{0,3}(?:=|:|:=|=>|\?=)[\s]{0,5}["'\x60]([^"'\x60\s]{12,200})["'\x60]'''
keywords = ["key", "secret", "token", "passw", "credential"]
tags = ["generic", "assignment"]
entropy = 3.5

[[rules]]
id = "generic-env-secret"
description = "High-entropy value of a secret-named environment variable (KEY=value)"
regex = '''(?m)^(?:export\s+)?[A-Z0-9_]{0,40}(?:API_KEY|APIKEY|SECRET|TOKEN|PASSWORD|PASSWD|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]{0,40}=([^\s"'#\x60]{16,200})'''
keywords = ["key", "secret", "token", "passw"]
tags = ["generic", "assignment", "env"]
entropy = 3.8
)toml";

}  // namespace

std::string_view BuiltinRulesToml() { return kBuiltinToml; }

const RuleSet& BuiltinRules() {
  static const RuleSet rules = [] {
    Result<RuleSet> parsed = ParseRules(kBuiltinToml, {});
    // The text is part of the binary and covered by tests; failing here is a build defect.
    assert(parsed.ok());
    return parsed.ok() ? std::move(parsed).value() : RuleSet{};
  }();
  return rules;
}

}  // namespace custody::dlp

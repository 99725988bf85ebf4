"""Hard-coded secret detection: provider key shapes, passwords, webhooks, bearer tokens.

Each rule names the keywords that make it worth trying; the matcher finds those
keywords in one pass and a rule's regex then runs only on the lines around a hit.
Values that look like placeholders (``YOUR_KEY``, ``<API_KEY>``, ``xxx``, template
expressions) are not secrets.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from govern.scanner.redact import preview, secret_record


@dataclass(frozen=True)
class Rule:
    kind: str
    keywords: tuple[str, ...]
    pattern: re.Pattern
    group: int | str = "v"
    min_len: int = 8
    check_entropy: bool = False


def _r(pattern: str, flags: int = 0) -> re.Pattern:
    return re.compile(pattern, flags)


_ASSIGN_NAMES = (
    r"password|passwd|pwd|pass|secret|client_?secret|api[_-]?key|apikey|access_?key|"
    r"secret_?key|auth_?token|access_?token|token|private_?key|app_?secret|consumer_?secret"
)
_QUOTE_VALUE = r"""(?P<q>['"])(?P<v>[^'"\r\n]{4,200})(?P=q)"""

RULES: tuple[Rule, ...] = (
    Rule("anthropic-api-key", ("sk-ant-",), _r(r"(?P<v>sk-ant-[A-Za-z0-9_\-]{20,})")),
    Rule(
        "openai-api-key",
        ("sk-",),
        _r(r"(?<![A-Za-z0-9_\-])(?P<v>sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,})"),
    ),
    Rule("perplexity-api-key", ("pplx-",), _r(r"(?P<v>pplx-[A-Za-z0-9]{40,})")),
    Rule("apify-api-key", ("apify_api_",), _r(r"(?P<v>apify_api_[A-Za-z0-9]{30,})")),
    Rule("huggingface-token", ("hf_",), _r(r"(?<![A-Za-z0-9_])(?P<v>hf_[A-Za-z0-9]{30,})")),
    Rule("groq-api-key", ("gsk_",), _r(r"(?P<v>gsk_[A-Za-z0-9]{40,})")),
    Rule(
        "aws-access-key-id", ("akia", "asia"), _r(r"(?P<v>(?:AKIA|ASIA)[0-9A-Z]{16})(?![0-9A-Z])")
    ),
    Rule(
        "aws-secret-access-key",
        ("aws_secret", "secretaccesskey", "aws-secret"),
        _r(
            r"(?i:aws_?secret_?(?:access_?)?key|secretaccesskey)['\"]?\s*[:=]\s*['\"]?(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
        ),
    ),
    Rule(
        "github-token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        _r(r"(?P<v>(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))"),
    ),
    Rule(
        "slack-token",
        ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"),
        _r(r"(?P<v>xox[baprs]-[A-Za-z0-9\-]{10,})"),
    ),
    Rule(
        "slack-webhook",
        ("hooks.slack.com/services/",),
        _r(
            r"(?P<v>https://hooks\.slack\.com/services/T[A-Za-z0-9]+/B[A-Za-z0-9]+/[A-Za-z0-9]{8,})"
        ),
    ),
    Rule(
        "teams-webhook",
        ("webhook.office.com/webhookb2/", "outlook.office.com/webhook/"),
        _r(
            r"(?P<v>https://[A-Za-z0-9.\-]*(?:webhook\.office\.com/webhookb2|outlook\.office\.com/webhook)/[A-Za-z0-9@\-/]{20,})"
        ),
    ),
    Rule(
        "discord-webhook",
        ("discord.com/api/webhooks/", "discordapp.com/api/webhooks/"),
        _r(r"(?P<v>https://(?:discord|discordapp)\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{20,})"),
    ),
    Rule("google-api-key", ("aiza",), _r(r"(?P<v>AIza[0-9A-Za-z_\-]{35})")),
    Rule("stripe-key", ("sk_live_", "rk_live_"), _r(r"(?P<v>[sr]k_live_[0-9A-Za-z]{20,})")),
    Rule("sendgrid-api-key", ("sg.",), _r(r"(?P<v>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})")),
    Rule(
        "private-key",
        ("private key-----",),
        _r(r"(?P<v>-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----)"),
        min_len=10,
    ),
    Rule(
        "azure-client-secret",
        ("q~",),
        _r(
            r"(?<![A-Za-z0-9_~.])(?P<v>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?![A-Za-z0-9_~.\-])"
        ),
    ),
    Rule(
        "jwt",
        ("eyj",),
        _r(r"(?P<v>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})"),
    ),
    Rule(
        "url-credentials",
        ("://",),
        _r(
            r"[a-zA-Z][a-zA-Z0-9+.\-]{1,15}://[^\s:/@'\"<>]{1,64}:(?P<v>[^\s@/'\"<>{}$]{4,128})@[A-Za-z0-9.\-]+"
        ),
        min_len=4,
    ),
    Rule(
        "connection-string-password",
        ("pwd=", "password=", "pwd =", "password ="),
        _r(r"(?i:\b(?:pwd|password)\s*=\s*)(?P<v>[^;'\"\s{}<>$]{4,128})(?=;|['\"]|\s|$)"),
        min_len=4,
    ),
    Rule(
        "powershell-securestring",
        ("convertto-securestring",),
        _r(
            r"(?i:ConvertTo-SecureString)\s+(?:-String\s+)?(?P<q>['\"])(?P<v>[^'\"$]{4,200})(?P=q)\s+-AsPlainText"
        ),
        min_len=4,
    ),
    Rule(
        "bearer-token",
        ("bearer ",),
        _r(r"(?i:\bbearer)\s+(?P<v>[A-Za-z0-9_\-\.=~+/]{16,500})"),
        min_len=16,
        check_entropy=True,
    ),
    Rule(
        "password-assignment",
        (
            "password",
            "passwd",
            "pwd",
            "secret",
            "api_key",
            "apikey",
            "api-key",
            "token",
            "access_key",
            "private_key",
        ),
        _r(
            r"(?i:(?:\b|_)(?:"
            + _ASSIGN_NAMES
            + r")['\"]?)\s*(?::=|=>|=|:|\bas\s+string\s*=|,)\s*(?:[rbu]?)"
            + _QUOTE_VALUE
        ),
        min_len=6,
        check_entropy=True,
    ),
    Rule(
        "env-assignment",
        ("pass=", "password=", "passwd=", "pwd=", "secret=", "token=", "key="),
        _r(
            r"(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASS(?:WORD|WD)?|PWD|SECRET|TOKEN|API_?KEY)"
            r"[A-Z0-9_]*=(?P<v>[^\s'\"$`{}#;]{6,200})[ \t]*$"
        ),
        min_len=6,
        check_entropy=True,
    ),
    Rule(
        "password-argument",
        ("password:", "-password ", "-p'", '-p"'),
        _r(
            r"(?i:(?:\bpassword:\s*|-password\s+|(?<=\s)-p))(?P<q>['\"])(?P<v>[^'\"$%{}\r\n]{4,128})(?P=q)"
        ),
        min_len=4,
    ),
)

KEYWORDS: tuple[tuple[str, str], ...] = tuple(
    (word, f"secret:{index}") for index, rule in enumerate(RULES) for word in rule.keywords
)
_SPECIFIC = {
    "anthropic-api-key",
    "openai-api-key",
    "perplexity-api-key",
    "apify-api-key",
    "huggingface-token",
    "groq-api-key",
    "aws-access-key-id",
    "github-token",
    "slack-token",
    "slack-webhook",
    "teams-webhook",
    "discord-webhook",
    "google-api-key",
    "stripe-key",
    "sendgrid-api-key",
    "azure-client-secret",
}
_PLACEHOLDER = re.compile(
    r"(?i)(your|insert|replace|placeholder|example|changeme|change_me|dummy|sample|redacted|"
    r"xxxx|\*\*\*|\.\.\.|<[^>]*>|\{\{|\}\}|\$\{|\$\(|%[A-Za-z_]+%|^\$|^@|^=|todo|fixme|"
    r"getenv|environ|process\.env|secrets\.|env\(|vault|keyvault|not[-_ ]?set|none|null|"
    r"undefined|^true$|^false$|^password$|^secret$|^string$|^token$|api[-_]?key$|_here$)"
)
_CODE_LIKE = re.compile(r"[()\[\]]|\s\+\s|^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*$")


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def is_placeholder(value: str, kind: str) -> bool:
    """Obvious non-secrets: template fillers, variable references, repeated characters."""
    stripped = value.strip()
    if len(set(stripped.lower().replace("-", "").replace("_", ""))) <= 2:
        return True
    if kind in _SPECIFIC:
        tail = stripped.split("-", 2)[-1] if kind.endswith("api-key") else stripped
        return (
            bool(re.search(r"(?i)(x{5,}|your|example|placeholder|\.\.\.|<|>)", tail))
            or len(set(tail)) < 6
        )
    if kind == "private-key":
        return False
    if _PLACEHOLDER.search(stripped):
        return True
    return kind in {"password-assignment", "bearer-token"} and bool(_CODE_LIKE.search(stripped))


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    if end < 0:
        end = len(text)
    if end - start > 4000:  # minified or single-line JSON: a window around the hit
        start, end = max(start, pos - 600), min(end, pos + 1400)
    return start, end


def _matches(text: str, hits: dict[str, list[int]], ignore_text=()):
    """(rule, value, span) for every secret near a keyword hit; values stay in this module."""
    taken: list[tuple[int, int]] = []
    for index, rule in enumerate(RULES):
        positions = hits.get(f"secret:{index}")
        if not positions:
            continue
        lines_done: set[int] = set()
        for pos in positions:
            start, end = _line_bounds(text, pos)
            if start in lines_done:
                continue
            lines_done.add(start)
            segment = text[start:end]
            for match in rule.pattern.finditer(segment):
                value = match.group(rule.group)
                span = (start + match.start(rule.group), start + match.end(rule.group))
                if any(a <= span[0] < b or span[0] <= a < span[1] for a, b in taken):
                    continue
                if len(value) < rule.min_len or is_placeholder(value, rule.kind):
                    continue
                if rule.check_entropy and _entropy(value) < (2.5 if len(value) < 16 else 3.0):
                    continue
                if ignore_text and any(value in chunk for chunk in ignore_text):
                    continue
                taken.append(span)
                yield rule, value, span


def find_secrets(
    text: str,
    hits: dict[str, list[int]],
    secret_key: str,
    *,
    ignore_text: list[str] | tuple[str, ...] = (),
) -> list[dict]:
    """Secrets in ``text`` (only near keyword hits), redacted; values never leave here."""
    found: dict[tuple[int, str], dict] = {}
    for rule, value, span in _matches(text, hits, ignore_text):
        line = text.count("\n", 0, span[0]) + 1
        if (line, value) not in found:
            found[(line, value)] = secret_record(rule.kind, value, line, secret_key)
    return sorted(found.values(), key=lambda s: (s["line"], s["type"]))


def redact_text(text: str, matcher) -> str:
    """``text`` with every secret value replaced by its preview (for details and extras)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.encode("ascii", "replace").decode().lower()
    spans = sorted((span, value) for _, value, span in _matches(text, matcher.scan(lowered)))
    if not spans:
        return text
    out, last = [], 0
    for (start, end), value in spans:
        out.append(text[last:start])
        out.append(preview(value))
        last = end
    out.append(text[last:])
    return "".join(out)

"""Shell scripts (sh, bash, zsh, ksh): by extension or shebang."""

from __future__ import annotations

import re

from govern.scanner import schedule
from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

SHEBANG = re.compile(r"^#!\s*\S*(?:/|env\s+)(?:ba|z|k|da)?sh\b")
COMMAND = re.compile(r"(?m)^\s*(?!#)[A-Za-z_./$][\w./\-]*(?:\s|$)")
MYSQL = re.compile(r"\bmysql(?:dump)?\b[^\r\n]*?-h\s*['\"]?([\w.\-]+)")
PSQL = re.compile(r"\bpsql\b[^\r\n]*?-h\s*['\"]?([\w.\-]+)(?:[^\r\n]*?-d\s*['\"]?([\w.\-]+))?")
ENV_LINE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*=\S*\s*$")
MAIL = re.compile(r"\b(mutt|mailx|mail|sendmail)\b\s+[^\r\n]*")
CRON_PERIOD = re.compile(r"/cron\.(hourly|daily|weekly|monthly)/[^/]+$")
FUNCTION_HEADER = re.compile(r"^\s*(?:function\s+[\w:.\-]+(?:\s*\(\))?|[\w:.\-]+\s*\(\))\s*\{?")
DOTFILES = frozenset(
    {
        ".bashrc",
        ".profile",
        ".zshrc",
        ".bash_profile",
        ".bash_login",
        ".bash_logout",
        ".bash_aliases",
        ".zprofile",
        ".zshenv",
        ".zlogin",
        ".zlogout",
        ".kshrc",
        ".mkshrc",
        "bashrc",
        "zshrc",
        ".envrc",
    }
)
DECLARATION = (
    "#",
    "export ",
    "source ",
    ". ",
    "set ",
    "unset ",
    "alias ",
    "unalias ",
    "shopt ",
    "readonly ",
    "declare ",
    "typeset ",
    "local ",
    "umask ",
    "}",
)


def top_level_commands(text: str) -> list[str]:
    """Lines that run when the script runs: outside function bodies, not settings,
    variables or function definitions (a file of functions is a library to source)."""
    out, depth = [], 0
    for line in text.splitlines():
        stripped = line.strip()
        opened = line.count("{") - line.count("${")
        closed = line.count("}") - line.count("${")
        if depth == 0 and stripped:
            if FUNCTION_HEADER.match(line):
                pass
            elif not stripped.startswith(DECLARATION) and not ENV_LINE.match(line):
                out.append(stripped)
        depth = max(0, depth + opened - closed)
    return out


@register
class Shell(Detector):
    """Shell scripts (sh, bash, zsh, ksh): by extension or shebang."""

    name = "shell"
    platform = "shell"
    extensions = (".sh", ".bash", ".zsh", ".ksh")
    priority = 70
    sniffs = True

    def sniff(self, head: str) -> bool:
        return bool(SHEBANG.match(head))

    def analyze(self, art: Artifact) -> list[Finding]:
        text = art.text
        if art.lname in DOTFILES or "/profile.d/" in f"/{art.relpath.lower()}":
            return []  # shell start-up files configure a session, they automate nothing
        if not top_level_commands(text):
            return []  # an environment file or a library of functions sourced by others
        f = self.finding(art)
        period = CRON_PERIOD.search(f"/{art.relpath.lower()}")
        if period:  # run-parts runs every script in /etc/cron.daily (weekly, ...)
            macro = f"@{period.group(1)}"
            f.triggers.append(trigger("schedule", schedule.normalise_cron(macro), macro))
        else:
            f.triggers.append(trigger("manual"))
        for m in MYSQL.finditer(text):
            if not m.group(1).startswith("$"):
                f.reads.add(f"mysql://{m.group(1).lower()}")
        for m in PSQL.finditer(text):
            if not m.group(1).startswith("$"):
                f.reads.add(
                    f"postgres://{m.group(1).lower()}" + (f"/{m.group(2)}" if m.group(2) else "")
                )
        if MAIL.search(text):
            f.writes.add("smtp://localhost-mta")
        return [f]

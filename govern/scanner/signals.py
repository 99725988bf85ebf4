"""Generic signal extraction from text: URLs, DSNs, UNC/local paths, mail, env references.

Everything is named as an asset (DESIGN.md): ``scheme://authority`` + ``/name``.
Each extractor runs only when the matcher saw its keywords.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from govern.registry.ai_providers import ai_provider_for
from govern.scanner import ai
from govern.scanner.model import Finding

KEYWORDS: tuple[tuple[str, str], ...] = (
    ("://", "sig:url"),
    ("server=", "sig:odbc"),
    ("data source=", "sig:odbc"),
    ("host=", "sig:odbc"),
    ("\\\\", "sig:unc"),
    (":\\", "sig:winpath"),
    ("smtp", "sig:mail"),
    ("imap", "sig:mail"),
    ("outlook.application", "sig:mail"),
    ("sendmail", "sig:mail"),
    ("send-mailmessage", "sig:mail"),
    ("mailx", "sig:mail"),
    ("mutt", "sig:mail"),
    ("@", "sig:email"),
    ("getenv", "sig:env"),
    ("environ", "sig:env"),
    ("$env:", "sig:env"),
    ("process.env", "sig:env"),
    ("$env.", "sig:env"),
    ("secrets.", "sig:env"),
    ("getproperty(", "sig:env"),
    ("variable.get", "sig:env"),
    ("_conn_id", "sig:env"),
    ("getrobotcredential", "sig:env"),
    ("getrobotasset", "sig:env"),
    ("spreadsheets/d/", "sig:gsheet"),
    ("openbyid(", "sig:gsheet"),
    ("mysql ", "sig:cli-db"),
    ("psql ", "sig:cli-db"),
    ("sqlcmd", "sig:cli-db"),
    ("invoke-sqlcmd", "sig:cli-db"),
    ("snowflake.connector", "sig:snowflake"),
    ("/home/", "sig:owner-path"),
    ("\\users\\", "sig:owner-path"),
    ("/users/", "sig:owner-path"),
)

URL_RE = re.compile(r"""(?i)\b(?P<url>(?:https?|wss?|s?ftp)://[^\s'"<>`\\)\]},;|]+)""")
DSN_RE = re.compile(
    r"(?i)\b(?P<scheme>postgres(?:ql)?(?:\+\w+)?|mysql(?:\+\w+)?|mssql(?:\+\w+)?|oracle(?:\+\w+)?|"
    r"mongodb(?:\+srv)?|redis|snowflake|amqp|kafka|sqlserver|jdbc:[a-z]+)://"
    r"(?:[^\s:/@'\"]+(?::[^\s@'\"]*)?@)?(?P<host>[A-Za-z0-9_.\-]+)(?::(?P<port>\d+))?"
    r"(?:[/;](?:databaseName=)?(?P<db>[A-Za-z0-9_.\-]+))?"
)
ODBC_SERVER = re.compile(
    r"(?i)(?:server|data source|host(?:name)?|addr)\s*=\s*(?:tcp:)?(?P<host>[A-Za-z0-9_.\-\\]+)(?:,(?P<port>\d+))?"  # noqa: E501
)
ODBC_DB = re.compile(r"(?i)(?:database|initial catalog|dbname)\s*=\s*(?P<db>[A-Za-z0-9_.\-]+)")
ODBC_DRIVER = re.compile(r"(?i)(?:driver|provider)\s*=\s*\{?(?P<drv>[^;}]+)")
UNC_RE = re.compile(
    r"(?<![\\A-Za-z0-9])\\\\(?P<host>[A-Za-z0-9_.$\-]{2,63})\\(?P<path>[^\s'\"<>|*?\r\n]+)"
)
WIN_RE = re.compile(r"(?<![A-Za-z0-9])(?P<drive>[A-Za-z]):\\(?P<path>[^\s'\"<>|*?\r\n]{2,})")
EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])(?P<e>[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,12})\b"
)
SMTP_RE = re.compile(
    r"(?i)\b(?P<host>(?:smtp|mail|imap|outlook|exchange)[A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)+)\b"
)
ENV_RE = re.compile(
    r"""(?:os\.getenv\(\s*|os\.environ(?:\.get)?[\[(]\s*|getenv\(\s*|\$env:|process\.env\.|\$env\.|"""
    r"""secrets\.|getProperty\(\s*|Variable\.get\(\s*|_conn_id\s*=\s*|Environ\$?\(\s*|"""
    r"""(?:GetRobotCredential|GetRobotAsset)[^"']*AssetName=)['"]?(?P<name>[A-Za-z_][A-Za-z0-9_\-]{1,80})"""
)
GSHEET_RE = re.compile(r"(?:spreadsheets/d/|openById\(\s*['\"])(?P<id>[A-Za-z0-9_\-]{25,60})")
OWNER_PATH_RE = re.compile(
    r"(?i)(?:[A-Za-z]:\\Users\\|/home/|/Users/)(?P<user>[A-Za-z0-9._\-]{2,40})(?=[\\/])"
)
_NOT_USERS = {
    "public",
    "default",
    "all users",
    "administrator",
    "shared",
    "runner",
    "user",
    "username",
    "<user>",
    "you",
}
_NOT_HOST_TLDS = {
    "smtp",
    "send",
    "login",
    "connect",
    "py",
    "ps1",
    "txt",
    "json",
    "exe",
    "dll",
    "mail",
    "item",
}
SNOWFLAKE_RE = re.compile(r"""account\s*=\s*['"]([A-Za-z0-9_.\-]+)['"]""")
_NOT_TLDS = {
    "png",
    "jpg",
    "gif",
    "svg",
    "bind",
    "type",
    "context",
    "count",
    "nextlink",
    "etag",
    "id",
    "json",
    "xml",
    "js",
    "py",
    "css",
    "value",
    "metadata",
    "navigationlink",
    "associationlink",
    "mediaetag",
}
WRITE_WORDS = re.compile(
    r"(?i)(to_excel|to_csv|saveas|save_as|export-csv|export-excel|out-file|set-content|add-content|"
    r"write|copy-item|move-item|>>|\bopen\([^)]*['\"][wa]b?['\"]|upload|put_file|\.save\(|"
    r"sendmail|send_message|\.send\b|create|insert|update|append|post)"
)
SECRET_NAME = re.compile(r"(?i)key|token|secret|pass|pwd|cred|auth")
FILE_EXT = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TEMPLATE_HOSTS = ("{", "$", "%", "<")
IGNORED_HOSTS = {
    "schemas.microsoft.com",
    "schemas.openxmlformats.org",
    "www.w3.org",
    "w3.org",
    "json-schema.org",
    "schema.management.azure.com",
    "xmlns.com",
    "purl.org",
    "ns.adobe.com",
    "schemas.uipath.com",
    "schemas.xmlsoap.org",
    "localhost",
    "127.0.0.1",
    "example.com",
    "www.example.com",
    "github.com",
    "n8n.io",
    "docs.n8n.io",
    "nodered.org",
    "apache.org",
    "www.apache.org",
    "opensource.org",
    "creativecommons.org",
}


def url_asset(url: str) -> str | None:
    """``https://host[:port]`` for an http(s) URL, None for templates and schema URIs."""
    try:
        parts = urlsplit(url.rstrip(".,"))
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    pieces = url.split("/")
    templated = len(pieces) > 2 and any(ch in pieces[2] for ch in _TEMPLATE_HOSTS)
    if (not host or templated or "." not in host) and not (host == "localhost" and port):
        return None
    if host in IGNORED_HOSTS and not (host in ("localhost", "127.0.0.1") and port):
        return None
    scheme = parts.scheme.lower()
    authority = f"{host}:{port}" if port and port not in (80, 443) else host
    return f"{scheme}://{authority}"


def sharepoint_asset(url: str) -> str | None:
    match = re.match(
        r"(?i)https://([a-z0-9\-]+\.sharepoint\.com)(/(?:sites|teams)/[^/?#'\"\s]+)?", url
    )
    if not match:
        return None
    return f"sharepoint://{match.group(1).lower()}" + (match.group(2) or "")


def dsn_scheme(raw: str) -> str:
    raw = raw.lower().split("+", 1)[0]
    if raw.startswith("jdbc:"):
        raw = raw[5:]
    return {"postgresql": "postgres", "sqlserver": "mssql"}.get(raw, raw)


def add_path(finding: Finding, asset: str, line: str) -> None:
    if WRITE_WORDS.search(line):
        finding.writes.add(asset)
    else:
        finding.reads.add(asset)


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)][:2000]


def extract(finding: Finding, text: str, hits: dict[str, list[int]]) -> None:
    """Add generic reads, writes, calls, AI services, credential references and owner hints."""
    ignore = finding.ignore_text
    if hits.get("sig:url"):
        _urls(finding, text, ignore)
    if hits.get("sig:odbc"):
        _odbc(finding, text)
    if hits.get("sig:unc"):
        for m in UNC_RE.finditer(text):
            path = m.group("path").rstrip("\\.,;)")
            if len(path) > 1:
                add_path(
                    finding,
                    f"file://{m.group('host').lower()}/" + path.replace("\\", "/"),
                    _line_at(text, m.start()),
                )
    if hits.get("sig:winpath"):
        for m in WIN_RE.finditer(text):
            path = m.group("path").rstrip("\\.,;)")
            if FILE_EXT.search(path) and not path.lower().endswith((".exe", ".dll")):
                add_path(
                    finding,
                    f"file:///{m.group('drive').upper()}:/" + path.replace("\\", "/"),
                    _line_at(text, m.start()),
                )
    if hits.get("sig:mail"):
        for m in SMTP_RE.finditer(text):
            host = m.group("host").lower().rstrip(".")
            last = host.rsplit(".", 1)[-1]
            if last.isalpha() and 2 <= len(last) <= 6 and last not in _NOT_HOST_TLDS:
                scheme = "imap" if host.startswith("imap") else "smtp"
                (finding.reads if scheme == "imap" else finding.writes).add(f"{scheme}://{host}")
        if re.search(r"(?i)outlook\.application", text):
            finding.writes.add("exchange://outlook")
    if hits.get("sig:snowflake"):
        for m in SNOWFLAKE_RE.finditer(text):
            finding.reads.add(f"snowflake://{m.group(1).lower()}")
    if hits.get("sig:gsheet"):
        for m in GSHEET_RE.finditer(text):
            add_path(
                finding, f"gsheets://docs.google.com/{m.group('id')}", _line_at(text, m.start())
            )
    if hits.get("sig:env"):
        for m in ENV_RE.finditer(text):
            name = m.group("name")
            if SECRET_NAME.search(name):
                finding.credentials.add(f"env:{name}")
    if hits.get("sig:email"):
        for m in EMAIL_RE.finditer(text):
            email = m.group("e").lower()
            if (
                not email.endswith((".png", ".jpg", ".gif"))
                and "example" not in email
                and "noreply" not in email
            ):
                finding.owner(4, email)
    if hits.get("sig:owner-path"):
        for m in OWNER_PATH_RE.finditer(text):
            if m.group("user").lower() not in _NOT_USERS:
                finding.owner(3, m.group("user"))
    providers = ai.sdk_providers(text, hits)
    for provider in providers:
        finding.ai_services.add(provider)
        if provider in ai.DEFAULT_ENDPOINTS:
            finding.calls.add(ai.DEFAULT_ENDPOINTS[provider])
    found_models = ai.models(text, hits)
    if found_models and (finding.ai_services or providers):
        finding.ai_models |= found_models


def _urls(finding: Finding, text: str, ignore: list[str]) -> None:
    for m in URL_RE.finditer(text):
        url = m.group("url")
        if ignore and any(url in chunk for chunk in ignore):
            continue
        sp = sharepoint_asset(url)
        if sp:
            add_path(finding, sp, _line_at(text, m.start()))
            continue
        gs = GSHEET_RE.search(url)
        if gs:
            add_path(
                finding, f"gsheets://docs.google.com/{gs.group('id')}", _line_at(text, m.start())
            )
            continue
        asset = url_asset(url)
        if not asset:
            continue
        provider = ai_provider_for(asset)
        if provider:
            finding.ai_services.add(provider)
        if asset.startswith(("ftp", "sftp")):
            add_path(finding, asset, _line_at(text, m.start()))
        else:
            finding.calls.add(asset)
    for m in DSN_RE.finditer(text):
        scheme = dsn_scheme(m.group("scheme"))
        if scheme in {"http", "https"}:
            continue
        host = m.group("host").lower()
        if host.startswith(("{", "$")):
            continue
        authority = f"{host}:{m.group('port')}" if m.group("port") else host
        asset = f"{scheme}://{authority}" + (f"/{m.group('db')}" if m.group("db") else "")
        add_path(finding, asset, _line_at(text, m.start()))


def _odbc(finding: Finding, text: str) -> None:
    for m in ODBC_SERVER.finditer(text):
        host = m.group("host").lower().rstrip("\\")
        if not host or host.startswith(("{", "$", "%", "@", "<")):
            continue
        window = text[max(0, m.start() - 300) : m.end() + 300]
        drv = ODBC_DRIVER.search(window)
        driver = (drv.group("drv").lower() if drv else "") + window.lower()
        if "mysql" in driver:
            scheme = "mysql"
        elif "postgres" in driver or "psql" in driver:
            scheme = "postgres"
        elif "oracle" in driver:
            scheme = "oracle"
        elif "ace.oledb" in driver or "jet.oledb" in driver:
            continue
        elif (
            "sql server" in driver
            or "sqlncli" in driver
            or "msodbcsql" in driver
            or "sqloledb" in driver
            or "uid=" in window.lower()
            or "initial catalog" in window.lower()
            or "trusted_connection" in window.lower()
            or "integrated security" in window.lower()
        ):
            scheme = "mssql"
        else:
            continue
        db = ODBC_DB.search(window)
        authority = f"{host}:{m.group('port')}" if m.group("port") else host
        asset = f"{scheme}://{authority}" + (f"/{db.group('db')}" if db else "")
        add_path(finding, asset, _line_at(text, m.start()))

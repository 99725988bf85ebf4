"""Python scripts (and Code-by-Zapier snippets): scripts with side effects, not libraries."""

from __future__ import annotations

import re

from govern.scanner.artifact import Artifact
from govern.scanner.base import Detector
from govern.scanner.model import Finding, trigger
from govern.scanner.registry import register

SKIP_NAMES = {
    "__init__.py",
    "setup.py",
    "conftest.py",
    "__main__.py",
    "manage.py",
    "wsgi.py",
    "asgi.py",
    "noxfile.py",
    "fabfile.py",
}
ACTION = re.compile(
    r"(?m)\b(requests\.(?:get|post|put|patch|delete|request|Session)|urllib\.request|httpx\.|aiohttp|"
    r"smtplib|imaplib|poplib|pyodbc|psycopg2?|pymysql|mysql\.connector|cx_Oracle|oracledb|sqlite3\.connect|"
    r"create_engine|snowflake\.connector|pd\.read_|pandas\.read_|\.to_excel|\.to_csv|openpyxl|xlwings|"
    r"gspread|win32com|boto3|paramiko|pysftp|ftplib|selenium|playwright|shutil\.(?:copy|move)|"
    r"os\.(?:system|remove|rename)|subprocess\.|office365|msal|ClientContext|xmlrpc\.client|"
    r"slack_sdk|telegram|tweepy|open\([^)]*['\"][wa]b?['\"]|openai|anthropic|google\.generativeai|"
    r"ollama|schedule\.every|BlockingScheduler|\.send_message|\.sendmail|Dispatch\(|"
    r"pyautogui|pywinauto|exchangelib|simple_salesforce|pymssql|googleapiclient|bigquery|"
    r"O365|jira|ldap3|pysnow|teradatasql|ibm_db|pyspark|hvac|dropbox|azure\.storage|"
    r"google\.cloud|pygsheets|yagmail|twilio|notion_client|pyairtable|webdriver|http\.client)"
)
MAIN_GUARD = re.compile(r"(?m)^if\s+__name__\s*==\s*['\"]__main__['\"]")
TOP_LEVEL_STATEMENT = re.compile(
    r"(?m)^(?:[A-Za-z_][\w.\[\]'\"]*\s*(?::[^=\n]+)?=\s*)?(?P<callee>[A-Za-z_][\w.]*)\(|"
    r"^(?P<kw>for|while|with|try|async\s+for|async\s+with)\b"
)
# module-level calls that only declare or configure (a library's logger, type variables,
# compiled patterns, ORM metadata, clients built for its functions): not something run
DECLARATIVE_PREFIX = (
    "logging.",
    "warnings.",
    "typing.",
    "re.",
    "collections.",
    "functools.",
    "dataclasses.",
    "enum.",
    "contextvars.",
    "threading.",
    "sys.path.",
    "os.path.",
    "os.environ.",
    "pathlib.",
)
DECLARATIVE = frozenset(
    [
        "getLogger",
        "TypeVar",
        "NewType",
        "ParamSpec",
        "namedtuple",
        "NamedTuple",
        "TypedDict",
        "Enum",
        "IntEnum",
        "StrEnum",
        "compile",
        "Path",
        "PurePath",
        "field",
        "declarative_base",
        "sessionmaker",
        "scoped_session",
        "MetaData",
        "Table",
        "Column",
        "create_engine",
        "getenv",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "deque",
        "set",
        "dict",
        "frozenset",
        "tuple",
        "list",
        "object",
        "str",
        "int",
        "float",
        "bool",
        "bytes",
        "ContextVar",
        "Lock",
        "RLock",
        "Event",
        "Semaphore",
        "local",
        "partial",
        "lru_cache",
        "Decimal",
        "timedelta",
        "timezone",
        "Template",
        "Blueprint",
        "APIRouter",
        "Router",
        "load_dotenv",
        "find_dotenv",
        "dotenv_values",
        "setLevel",
        "addHandler",
        "Session",
        "OpenAI",
        "AzureOpenAI",
        "Anthropic",
        "AsyncOpenAI",
        "AsyncAnthropic",
        "WebClient",
        "client",
        "resource",
        "Environment",
        "FileSystemLoader",
        "Jinja2Templates",
    ]
)
IMPORT_LINE = re.compile(r"\s+(?:import|from)\s")
LIBRARY = re.compile(r"(?m)^from\s+\.|^__all__\s*=")
ZAPIER = re.compile(r"(?m)^return\s*[{\[]|^output\s*=\s*[{\[]")
SCHEDULE_EVERY = re.compile(
    r"schedule\.every\((\d*)\)\.(second|minute|hour|day|week|monday|tuesday|wednesday|thursday|friday)s?(?:\.at\(['\"](\d{1,2}):(\d{2})['\"]\))?"
)
SLEEP_LOOP = re.compile(r"(?s)while\s+True\s*:.{0,2000}?time\.sleep\(\s*(\d+)\s*\)")
APS_CRON = re.compile(
    r"add_job\([^)]*['\"]cron['\"][^)]*\)|@\w+\.scheduled_job\(\s*['\"]cron['\"][^)]*\)"
)


@register
class PythonScript(Detector):
    """Python scripts (and Code-by-Zapier snippets): scripts with side effects, not libraries."""

    name = "python"
    platform = "python"
    extensions = (".py", ".pyw")
    priority = 90
    sniffs = True

    def sniff(self, head: str) -> bool:
        return head.startswith("#!") and "python" in head.split("\n", 1)[0]

    def analyze(self, art: Artifact) -> list[Finding]:
        lname = art.lname
        if lname in SKIP_NAMES or lname.startswith("test_") or lname.endswith("_test.py"):
            return []
        if "/tests/" in f"/{art.relpath.lower()}" or "/migrations/" in f"/{art.relpath.lower()}":
            return []
        text = art.text
        zapier = ("input_data" in text or "input[" in text) and bool(ZAPIER.search(text))
        if zapier:
            f = self.finding(art, platform="zapier")
            f.triggers.append(trigger("event", None, "run by a Zapier Code step"))
            f.extra["code_by_zapier"] = True
            return [f]
        script = bool(MAIN_GUARD.search(text)) or _top_level_action(text)
        acts = ACTION.search(text)
        if not script or not acts:
            return []
        main = MAIN_GUARD.search(text)
        if not main and (LIBRARY.search(text) or art.sibling_exists("__init__.py")):
            return []  # a module of a package: library code, not something that runs
        f = self.finding(art)
        f.confidence = 0.9 if MAIN_GUARD.search(text) else 0.7
        _triggers(f, text)
        return [f]


def _top_level_action(text: str) -> bool:
    """True when module-level code does something when run: a call that is not a mere
    declaration, or a loop, ``with`` or ``try`` (other than ``try: import ...``)."""
    for m in TOP_LEVEL_STATEMENT.finditer(text):
        callee = m.group("callee")
        if callee:
            if callee.startswith(DECLARATIVE_PREFIX) or callee.rsplit(".", 1)[-1] in DECLARATIVE:
                continue
            return True
        if m.group("kw") == "try":
            rest = text[m.end() : m.end() + 200].split("\n", 2)
            if len(rest) > 1 and IMPORT_LINE.match(rest[1]):
                continue  # an optional import
        return True
    return False


def _triggers(f: Finding, text: str) -> None:
    from govern.scanner import schedule

    for m in SCHEDULE_EVERY.finditer(text):
        n = int(m.group(1) or 1)
        unit = m.group(2)
        hour, minute = (int(m.group(3)), int(m.group(4))) if m.group(3) else (0, 0)
        day = schedule.day_number(unit)
        if day is not None:
            cron = f"{minute} {hour} * * {day}"
        else:
            cron = schedule.every(unit, n, hour=hour, minute=minute)
        f.triggers.append(trigger("schedule", cron, m.group(0)))
    m = SLEEP_LOOP.search(text)
    if m:
        f.triggers.append(
            trigger("schedule", schedule.seconds_to_cron(int(m.group(1))), "loop with sleep")
        )
    if APS_CRON.search(text):
        f.triggers.append(trigger("schedule", None, "APScheduler cron job"))
    if not f.triggers:
        f.triggers.append(trigger("manual"))

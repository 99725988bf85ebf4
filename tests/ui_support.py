"""Helpers for the web UI tests: users of each role, signing in, CSRF tokens, policies."""

from __future__ import annotations

import re
from functools import cache

import pytest

from govern.db import write_session

PASSWORD = "correct-horse-battery"
PEOPLE = {
    "dev": ("developer", "dev@example.com", []),
    "rita": ("reviewer", "rita@example.com", []),
    "ada": ("admin", "ada@example.com", []),
    "vic": ("viewer", "vic@example.com", []),
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def _password_hash() -> str:
    """One real scrypt hash of PASSWORD per test run (hashing costs ~0.1 s by design)."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)


def make_users(engine) -> dict[str, str]:
    """A user of each role, all with PASSWORD (``users.create_user`` is tested on its own)."""
    from govern.registry.models import User

    with write_session(engine) as session:
        for name, (role, email, namespaces) in PEOPLE.items():
            session.add(
                User(
                    username=name,
                    email=email,
                    role=role,
                    namespaces=namespaces,
                    password_hash=_password_hash(),
                )
            )
    return {name: role for name, (role, _, _) in PEOPLE.items()}


def install_policies(engine) -> bool:
    """The built-in policy pack, when the policy engine is present."""
    try:
        from govern.policies.setup import install_pack
    except ModuleNotFoundError:
        return False
    install_pack(engine)
    return True


@pytest.fixture
def ui_users(engine):
    return make_users(engine)


def csrf_from(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
    )
    return response


def eventually(check, timeout: float = 15.0, interval: float = 0.1):
    """Call ``check`` until it returns something truthy (the dashboard refreshes its
    figures in the background after a write); returns that value or fails."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(interval)


def token_of(client, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def form_manifest(**overrides) -> dict[str, str]:
    """A filled-in registration form (sandbox, reads internal data)."""
    form = {
        "name": "invoice-reminder",
        "namespace": "finance",
        "title": "Invoice reminder",
        "description": "Emails customers whose invoices are overdue.",
        "platform": "python",
        "location": "//fs01/finance/reminders/remind.py",
        "owner": "dev@example.com",
        "backupOwner": "",
        "track": "sandbox",
        "criticality": "low",
        "justification": "",
        "trigger_type": "schedule",
        "cron": "0 7 * * 1-5",
        "event": "",
        "reads": "postgres://crm-db:5432/crm.public.invoices internal",
        "writes": "",
        "calls": "",
        "triggers": "",
    }
    form.update(overrides)
    return form


# -- a real server and a real browser ------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


class LiveServer:
    """The app in a werkzeug server thread on 127.0.0.1, on a port the OS picks."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def artifacts_dir():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "test-artifacts" / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path

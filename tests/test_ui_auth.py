"""Signing in, roles, CSRF on every form, and the `govern user` commands."""

from __future__ import annotations

import pytest
from ui_support import PASSWORD, csrf_from, sign_in, token_of, ui_users  # noqa: F401

from govern.db import write_session
from govern.registry import auth
from govern.registry.auth import LOCAL_ADMIN

FORMS = [
    "/login",
    "/logout",
    "/account",
    "/register",
    "/review/bulk",
    "/users",
    "/automations/finance/x/review",
    "/automations/finance/x/waive",
    "/automations/finance/x/lifecycle",
]

pytestmark = pytest.mark.usefixtures("ui_users")


def test_pages_need_sign_in(client):
    response = client.get("/automations")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/automations")


def test_password_sign_in_and_out(client):
    bad = sign_in(client, "dev", "wrong-password-123")
    assert bad.status_code == 401
    assert "not right" in bad.get_data(as_text=True)
    ok = sign_in(client, "dev")
    assert ok.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "dev@example.com" in page.get_data(as_text=True)
    out = client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert out.status_code == 302
    assert client.get("/").status_code == 302


def test_next_cannot_leave_the_site(client):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "dev",
            "password": PASSWORD,
            "next": "//evil.example.com/x",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/"


def test_token_sign_in_and_revocation(client, engine, make_token):
    value = make_token("reviewer", email="tok@example.com")
    page = client.get("/login?method=token")
    response = client.post(
        "/login",
        data={"method": "token", "token": value, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    assert "tok@example.com" in client.get("/").text
    assert client.get("/review").status_code == 200
    with write_session(engine) as session:
        auth.revoke_token(session, name="reviewer-1", actor=LOCAL_ADMIN)
    assert client.get("/").status_code == 302  # the session ends with the token


def test_disabled_user_loses_the_session(client, engine):
    from govern.web.ui import users

    sign_in(client, "dev")
    assert client.get("/").status_code == 200
    with write_session(engine) as session:
        users.update_user(session, "dev", active=False)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", FORMS)
def test_every_form_rejects_a_missing_csrf_token(client, path):
    sign_in(client, "ada")
    response = client.post(path, data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.text
    wrong = client.post(path, data={"csrf_token": "forged"})
    assert wrong.status_code == 400


def test_api_is_not_subject_to_csrf(client, headers):
    response = client.get("/api/v1/automations", headers=headers("viewer"))
    assert response.status_code == 200


def test_roles_decide_what_is_shown(client):
    sign_in(client, "vic")
    html = client.get("/").text
    assert 'href="/review"' not in html and 'href="/register"' not in html
    assert client.get("/register").status_code == 403
    assert client.get("/review").status_code == 403
    assert client.get("/users").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    sign_in(client, "rita")
    html = client.get("/").text
    assert 'href="/review"' in html and 'href="/users"' not in html


def test_trusted_header_sign_on(settings):
    from dataclasses import replace

    from govern.web import create_app

    app = create_app(replace(settings, trusted_header="X-Forwarded-Email"), {"TESTING": True})
    try:
        c = app.test_client()
        assert c.get("/").status_code == 302  # no header: sign in as usual
        page = c.get("/review", headers={"X-Forwarded-Email": "rita@example.com"})
        assert page.status_code == 200  # a known user keeps their role
        stranger = c.get("/", headers={"X-Forwarded-Email": "someone@example.com"})
        assert stranger.status_code == 200
        assert "viewer" in stranger.text
    finally:
        app.extensions["govern"].engine.dispose()


def test_trusted_header_is_ignored_when_off(client):
    assert client.get("/", headers={"X-Forwarded-Email": "rita@example.com"}).status_code == 302


def test_change_own_password(client):
    sign_in(client, "dev")
    token = token_of(client, "/account")
    response = client.post(
        "/account",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "another-long-password",
            "confirm_password": "another-long-password",
        },
    )
    assert response.status_code == 302
    other = client.application.test_client()
    assert sign_in(other, "dev", "another-long-password").status_code == 302


def test_admin_creates_a_user_in_the_ui(client):
    sign_in(client, "ada")
    response = client.post(
        "/users",
        data={
            "csrf_token": token_of(client, "/users"),
            "action": "create",
            "username": "new.person",
            "password": "long-enough-password",
            "role": "developer",
            "email": "new@example.com",
        },
    )
    assert response.status_code == 302
    assert "new.person" in client.get("/users").text


def test_user_cli(runner):
    created = runner(
        "user",
        "create",
        "li.wei",
        "--role",
        "developer",
        "--email",
        "li.wei@example.com",
        "--namespace",
        "finance",
        "--password",
        "a-long-password-1",
    )
    assert created.exit_code == 0, created.output
    assert "created user li.wei (developer)" in created.output
    listed = runner("user", "list")
    assert "li.wei" in listed.output and "finance" in listed.output
    assert "scrypt" not in listed.output and "pbkdf2" not in listed.output
    short = runner("user", "passwd", "li.wei", "--password", "short")
    assert short.exit_code == 2 and "too short" in short.output
    assert runner("user", "passwd", "li.wei", "--password", "b-long-password-2").exit_code == 0
    assert runner("user", "disable", "li.wei").exit_code == 0
    assert runner("user", "set", "li.wei", "--role", "reviewer").exit_code == 0
    unknown = runner("user", "passwd", "nobody", "--password", "b-long-password-2")
    assert unknown.exit_code == 2 and "no user named" in unknown.output
    dup = runner("user", "create", "li.wei", "--password", "a-long-password-1")
    assert dup.exit_code == 2 and "already exists" in dup.output


def test_passwords_are_hashed(engine):
    from sqlmodel import select

    from govern.db import read_session
    from govern.registry.models import User

    with read_session(engine) as session:
        user = session.exec(select(User).where(User.username == "dev")).one()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))

"""Settings come from GOVERN_* variables, with safe defaults and clear refusals."""

from __future__ import annotations

import pytest

from govern.config import ConfigError, Settings


def test_defaults_are_an_embedded_sqlite_file_under_the_data_dir(tmp_path):
    s = Settings.from_env({"GOVERN_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'govern.db'}"
    assert s.is_sqlite and s.scheduler_enabled and s.page_size == 50
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Settings.from_env({"GOVERN_DATA_DIR": str(tmp_path)}).secret_key == s.secret_key
    assert s.secret_key not in repr(s)


def test_environment_overrides(tmp_path):
    s = Settings.from_env(
        {
            "GOVERN_DATA_DIR": str(tmp_path),
            "GOVERN_DATABASE_URL": "postgres://u@db:5432/govern",
            "GOVERN_SECRET_KEY": "k" * 40,
            "GOVERN_ENV": "production",
            "GOVERN_SCHEDULER": "off",
            "GOVERN_PAGE_SIZE": "25",
            "GOVERN_MAX_REQUEST_BYTES": "1048576",
            "GOVERN_INTERNAL_DOMAINS": "Acme.com, acme.internal",
            "GOVERN_LOG_LEVEL": "warning",
            "GOVERN_SQLITE_BUSY_TIMEOUT_MS": "5000",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@db:5432/govern"
    assert not s.is_sqlite and not s.scheduler_enabled
    assert (s.page_size, s.max_request_bytes, s.log_level) == (25, 1048576, "WARNING")
    assert s.internal_domains == ("acme.com", "acme.internal")
    assert s.sqlite_busy_timeout_ms == 5000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GOVERN_ENV": "production"}, "GOVERN_SECRET_KEY is required"),
        ({"GOVERN_ENV": "production", "GOVERN_SECRET_KEY": "short"}, "at least 32"),
        ({"GOVERN_ENV": "prod"}, "GOVERN_ENV='prod' is not one of"),
        ({"GOVERN_SCHEDULER": "maybe"}, "not a boolean"),
        ({"GOVERN_PAGE_SIZE": "ten"}, "not a whole number"),
        ({"GOVERN_PAGE_SIZE": "1000"}, "between 1 and GOVERN_MAX_PAGE_SIZE"),
        ({"GOVERN_LOG_LEVEL": "LOUD"}, "GOVERN_LOG_LEVEL"),
    ],
)
def test_bad_settings_are_refused_by_name(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"GOVERN_DATA_DIR": str(tmp_path), **env})


def test_cli_reports_bad_settings_as_usage_errors(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from govern.cli import main

    monkeypatch.setenv("GOVERN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GOVERN_ENV", "prod")
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 2 and "GOVERN_ENV='prod'" in result.output


def test_init_and_db_commands(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from govern.cli import main

    monkeypatch.setenv("GOVERN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOVERN_DATABASE_URL", raising=False)
    runner = CliRunner()
    assert "(empty database: run `govern init`)" in runner.invoke(main, ["db", "current"]).output
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0 and "database ready: sqlite:///" in result.output
    assert runner.invoke(main, ["init"]).exit_code == 0  # safe to run again
    current = runner.invoke(main, ["db", "current"]).output
    assert "0001_initial" in current or current.strip()

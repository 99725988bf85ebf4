"""`govern serve` starts a real server on the configured database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_with_the_inventory(settings, runner, make_token, tmp_path):
    assert runner("demo", "--automations", "20", "--seed", "5").exit_code == 0
    token = make_token("viewer")
    port = _free_port()
    env = {
        **os.environ,
        "GOVERN_DATA_DIR": str(settings.data_dir),
        "GOVERN_DATABASE_URL": settings.database_url,
        "GOVERN_SECRET_KEY": settings.secret_key,
        "GOVERN_SCHEDULER": "false",
    }
    govern = str(Path(sys.executable).parent / "govern")
    process = subprocess.Popen(
        [govern, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    assert json.loads(response.read())["status"] == "ok"
                    break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise AssertionError("server did not start") from None
                time.sleep(0.3)
        request = urllib.request.Request(
            base + "/automations?limit=5", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            page = json.loads(response.read())
        assert page["total"] >= 20 and len(page["items"]) == 5
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()

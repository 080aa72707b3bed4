"""`manage.py serve` (what `make run` ends with): web server and task cluster, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def served(tmp_path):
    """Start `serve` on a free port against a fresh SQLite database; yield (process, port)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env["FLOWBUILDER_VAR_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                assert response.status == 200
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"serve did not come up: {process.communicate()[0]}")
            time.sleep(0.2)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def test_it_serves_http_and_runs_the_task_cluster_until_ctrl_c_stops_both(served):
    process, port = served
    children = children_of(process.pid)
    commands = [Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in children]
    assert any("daphne" in c for c in commands), commands
    assert any("qcluster" in c for c in commands), commands

    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"Flowbuilder is running at http://127.0.0.1:{port}/" in output
    assert not [pid for pid in children if alive(pid)]


def test_when_the_web_server_dies_it_stops_the_cluster_and_fails(served):
    process, _port = served
    children = children_of(process.pid)
    web = next(pid for pid in children if "daphne" in Path(f"/proc/{pid}/cmdline").read_text())
    os.kill(web, signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "The web process exited" in output
    assert not [pid for pid in children if alive(pid)]

"""Run the web server and the django-q2 cluster together, in the foreground.

``manage.py serve`` starts daphne (HTTP and WebSockets) and ``manage.py qcluster``
(background tasks) as child processes and prints the URL. Ctrl+C (or SIGTERM) stops
both; if either child exits on its own, the other is stopped too and ``serve``
exits with an error, so a supervisor notices. In production run the two as
separate services instead (docs/deployment.md).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

STOP_GRACE_SECONDS = 10


class Command(BaseCommand):
    help = "Run the web server (daphne) and the task cluster (qcluster) together; Ctrl+C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-cluster", action="store_true", help="Serve HTTP only.")

    def handle(self, *args: Any, host: str, port: int, no_cluster: bool, **options: Any) -> None:
        commands = {
            "web": [
                sys.executable,
                "-m",
                "daphne",
                "--bind",
                host,
                "--port",
                str(port),
                "--proxy-headers",
                "flowbuilder.asgi:application",
            ],
        }
        if not no_cluster:
            commands["tasks"] = [sys.executable, "manage.py", "qcluster"]
        children = {name: subprocess.Popen(argv) for name, argv in commands.items()}  # noqa: S603
        shown_host = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"Flowbuilder is running at http://{shown_host}:{port}/"))
        self.stdout.write("Press Ctrl+C to stop the web server and the task cluster.")

        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        exited = None
        while not stopping and exited is None:
            exited = next((name for name, child in children.items() if child.poll() is not None), None)
            time.sleep(0.2)

        self._stop(children)
        if exited is not None and not stopping:
            code = children[exited].returncode
            self.stderr.write(f"The {exited} process exited with code {code}; stopped the rest.")
            sys.exit(1)
        self.stdout.write("Stopped.")

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

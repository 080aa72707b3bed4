"""A separate process that runs the executor or the SMTP sender against the tests' database.

    python tests/journeys/executor/worker.py drain --now 2026-11-23T12:00:00+00:00 [--stall-at N]
    python tests/journeys/executor/worker.py send [--stall-at N]

``DATABASE_URL`` (and ``EMAIL_URL`` for ``send``) come from the environment. It prints
``ready`` once Django is set up, then waits for a line on stdin before it starts, so the test
can start several at the same moment. With ``--stall-at N`` it stops inside its N-th batch, at
the end of the batch (the executor: its side effects and step log written, its step counts
about to be; the sender: the batch handed to the SMTP server and not yet marked
sent), prints ``stalled`` and waits there to be killed. It ends by printing its report as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]

# A statement each loop runs late in a batch, its side effects written, before it commits.
LAST_IN_BATCH = {
    "drain": "INSERT INTO journeys_steptally",
    "send": 'UPDATE "journeys_outboundmessage" SET "status"',
}


def say(line: str) -> None:
    """A line to the test reading our output, at once."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=sorted(LAST_IN_BATCH))
    parser.add_argument("--now", type=datetime.fromisoformat)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--stall-at", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowbuilder.settings")
    import django

    django.setup()
    from django.db import connection

    seen = 0

    def stall(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal seen
        if sql.startswith(LAST_IN_BATCH[args.mode]):
            seen += 1
            if seen == args.stall_at:
                say("stalled")
                time.sleep(600)  # until killed
        return execute(sql, params, many, context)

    say("ready")
    sys.stdin.readline()
    with connection.execute_wrapper(stall):
        if args.mode == "drain":
            from journeys.executor import executor_drain

            report: dict[str, Any] = executor_drain(now=args.now, batch_size=args.batch).as_dict()
        else:
            from journeys.emails.sender import messages_send

            report = vars(messages_send(max_batches=10_000))
    say(json.dumps(report))


if __name__ == "__main__":
    main()

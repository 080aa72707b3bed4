"""Settings for bench/taskqueue.py: Flowbuilder's, with the django-q2 knobs under test from the environment."""

from __future__ import annotations

import os

from flowbuilder.settings import *  # noqa: F403
from flowbuilder.settings import DATABASES, Q_CLUSTER

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
Q_CLUSTER["save_limit"] = int(os.environ["BENCH_SAVE_LIMIT"])
Q_CLUSTER["bulk"] = int(os.environ.get("BENCH_BULK", "1"))

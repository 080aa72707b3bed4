from __future__ import annotations

from datetime import timedelta

import pytest

from journeys.models import Enrollment, Step
from journeys.nodes.exit import Exit


def test_an_exit_ends_the_journey(check):
    assert check("exit", {})[0] == {"reason": "end"}
    assert check("exit", {"reason": "goal"})[0] == {"reason": "goal"}
    assert Exit.outputs == ()


# --- execute: the end of the journey -----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["end", "goal"])
def test_an_exit_completes_the_enrollment_with_a_step_and_the_reason(build, publish, person, happen, run, now, reason):
    publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("bye", "exit", {"reason": reason}),
            edges=[("t", "bye")],
        )
    )
    happen(person(), "signed_up")
    run()
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason, enrollment.finished_at, enrollment.due_at) == (
        "completed",
        reason,
        now,
        None,
    )
    step = Step.objects.get(enrollment=enrollment, node_id="bye")
    assert (step.seq, step.node_type, step.outcome, step.output, step.reason, step.at) == (
        2,
        "exit",
        "passed",
        "",
        "",
        now,
    )
    assert enrollment.steps == 2
    assert run(timedelta(days=1)).enrollments == 0  # nothing left to do


def test_a_step_with_nothing_after_it_ends_the_journey_the_same_way(build, publish, person, happen, run, now):
    publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("w", "wait", {"amount": 1, "unit": "hours"}),
            edges=[("t", "w")],
        )
    )
    happen(person(), "signed_up")
    run()
    run(timedelta(hours=1))
    enrollment = Enrollment.objects.get()
    assert (enrollment.state, enrollment.exit_reason, enrollment.finished_at) == (
        "completed",
        "end",
        now + timedelta(hours=1),
    )
    assert list(Step.objects.filter(enrollment=enrollment).values_list("node_id", "output")) == [
        ("t", "next"),
        ("w", "next"),
    ]

"""The step counts the live view reads (``StepTally``) agree with the step log, and a loop that
publishing would refuse today cannot spin the executor."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum

from journeys.executor import HOPS_PAUSE, MAX_HOPS, executor_drain
from journeys.models import Enrollment, JourneyVersion, Step, StepTally


def tally(journey):
    return {
        (row["node_id"], row["outcome"], row["output"], row["reason"]): row["n"]
        for row in StepTally.objects.filter(journey=journey)
        .values("node_id", "outcome", "output", "reason")
        .annotate(n=Sum("count"))
    }


def log(journey):
    return {
        (row["node_id"], row["outcome"], row["output"], row["reason"]): row["n"]
        for row in Step.objects.filter(journey=journey)
        .values("node_id", "outcome", "output", "reason")
        .annotate(n=Count("pk"))
    }


def test_the_step_counts_add_up_to_the_step_log_across_batches_skips_and_exits(
    publish, build, refs, person, happen, run, now
):
    journey = publish(
        build(
            ("t", "trigger", {"kind": "event", "event": "signed_up"}),
            ("mail", "send_email", {"template": refs["welcome"].pk}),
            ("wait", "wait", {"mode": "duration", "amount": 1, "unit": "hours"}),
            ("end", "exit", {}),
            edges=[("t", "mail"), ("mail", "wait"), ("wait", "end")],
        ),
        settings={"exit_rules": [{"kind": "event", "event": "unsubscribed_everywhere"}]},
    )
    people = [person(f"p{n}@example.com") for n in range(7)]
    people.append(person("gone@example.com", email_consent="unsubscribed"))
    for contact in people:
        happen(contact, "signed_up")
    executor_drain(now=now, batch_size=3)  # several batches, each adding to the counts
    happen(people[0], "unsubscribed_everywhere", at=now + timedelta(minutes=5))
    run(timedelta(minutes=5))
    run(timedelta(hours=2))

    assert tally(journey) == log(journey)
    counts = tally(journey)
    assert counts[("t", "passed", "next", "")] == 8
    assert counts[("mail", "skipped", "next", "The contact unsubscribed from marketing email.")] == 1
    assert counts[("wait", "exited", "", "Left when unsubscribed_everywhere happened (exit rule).")] == 1
    assert counts[("end", "passed", "", "")] == 7


def test_a_loop_without_a_real_wait_published_before_the_check_goes_on_a_minute_later_not_forever(
    publish, build, person, happen, now
):
    journey = publish(
        build(("t", "trigger", {"kind": "event", "event": "go"}), ("end", "exit", {}), edges=[("t", "end")])
    )
    # A version saved without today's graph check: the condition's "no" loops back through a wait of 0.
    looping = build(
        ("t", "trigger", {"kind": "event", "event": "go"}),
        ("w", "wait", {"mode": "duration", "amount": 0, "unit": "minutes"}),
        ("c", "condition", {"rule": {"type": "tag", "op": "has", "value": "done"}}),
        ("end", "exit", {}),
        edges=[("t", "w"), ("w", "c"), ("c", "yes", "end"), ("c", "no", "w")],
    )
    version = JourneyVersion.objects.create(journey=journey, number=2, graph=looping, published_at=now)
    journey.live_version = version
    journey.save(update_fields=["live_version"])
    happen(person(), "go")

    report = executor_drain(now=now)  # returns: it does not spin

    enrollment = Enrollment.objects.get()
    assert report.steps == MAX_HOPS
    assert (enrollment.state, enrollment.due_at) == (Enrollment.State.ACTIVE, now + HOPS_PAUSE)

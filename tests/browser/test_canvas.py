"""The journey canvas in real Chromium: building, connecting, publishing, watching live counts,
undo/redo, validation marks, read-only viewers, test runs, and how fast a big journey opens."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import expect

from journeys.demo import demo_load
from journeys.models import EmailTemplate, Journey
from journeys.services import journey_create, journey_publish, journey_update
from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NURTURE = "Nurture: how teams use Flowbuilder"
STORY = "Nurture: customer story"


@pytest.fixture
def templates(transactional_db):
    demo_load()
    return {t.name: t for t in EmailTemplate.objects.all()}


def step(page, node_id):
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def drop(page, kind, x, y):
    """Drag a step type from the palette onto the canvas, at (x, y) of the canvas."""
    page.locator(f'.palette-item[data-kind="{kind}"]').drag_to(
        page.locator(".react-flow__pane"), target_position={"x": x, "y": y}
    )


def connect(page, source, target, handle="next"):
    """Drag from an output handle of one step to the input of another, as with a mouse."""
    start = step(page, source).locator(f'.react-flow__handle[data-handleid="{handle}"]').bounding_box()
    end = step(page, target).locator(".step-handle-in").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def select(page, node_id):
    step(page, node_id).locator(".step-head").click()
    expect(page.locator(f'[data-inspecting="{node_id}"]')).to_be_visible()


def inspector(page):
    return page.locator(".inspector")


def saved(page):
    expect(page.locator(".save-indicator")).to_have_text("All changes saved", timeout=10_000)


def _blank_journey(page, server, marketer, log_in):
    log_in(page, marketer, base_url=server.url)
    page.goto(f"{server.url}/journeys/")
    page.get_by_role("button", name="New journey").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    expect(page.locator(".canvas-empty")).to_be_visible()
    return Journey.objects.get()


def test_a_marketer_builds_the_budget_journey_by_dragging_publishes_it_and_watches_contacts_move(
    page, app_server, marketer, log_in, screenshot, templates
):
    journey = _blank_journey(page, app_server, marketer, log_in)

    drop(page, "trigger", 340, 50)
    trigger = inspector(page)
    trigger.get_by_label("Event", exact=True).fill("form_submitted")

    drop(page, "condition", 340, 190)
    condition = inspector(page)
    condition.get_by_role("button", name="+ Condition").click()
    condition.get_by_label("Condition type").select_option("event")
    condition.get_by_label("Event name").fill("form_submitted")
    condition.get_by_label("in the last").check()
    condition.get_by_role("button", name="+ Property filter").click()
    condition.get_by_label("Property").fill("budget")
    condition.get_by_label("Operator").select_option("lt")
    condition.get_by_label("Value").fill("5000")

    drop(page, "send_email", 170, 340)
    inspector(page).get_by_label("Email template").select_option(label=NURTURE)
    drop(page, "wait", 170, 470)
    inspector(page).get_by_label("How long").fill("2")
    drop(page, "send_email", 170, 600)
    inspector(page).get_by_label("Email template").select_option(label=STORY)
    drop(page, "webhook", 470, 320)
    inspector(page).get_by_label("URL").fill("https://crm.example.com/leads")
    drop(page, "notify", 470, 440)
    notify = inspector(page)
    notify.get_by_role("button", name="+ Add").click()
    notify.locator('[data-field="to"] input').fill("sales@example.com")
    notify.get_by_label("Subject").fill("New lead: {{ contact.email }}")
    notify.get_by_label("Message").fill("Please call today.")
    screenshot(page, "canvas-inspector")

    connect(page, "trigger-1", "condition-1")
    connect(page, "condition-1", "send-email-1", "yes")
    connect(page, "send-email-1", "wait-1")
    connect(page, "wait-1", "send-email-2")
    connect(page, "condition-1", "webhook-1", "no")
    connect(page, "webhook-1", "notify-1")
    expect(page.locator(".react-flow__edge")).to_have_count(6)
    expect(page.locator(".react-flow__edge-text").filter(has_text="Yes")).to_be_visible()
    saved(page)

    # An output carries one connection: a second one from "yes" is refused as you drag.
    connect(page, "condition-1", "webhook-1", "yes")
    expect(page.locator(".react-flow__edge")).to_have_count(6)
    screenshot(page, "canvas-editor")

    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Publish the journey")
    expect(dialog).to_contain_text("First version")
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_have_text("Version 1 is live.")
    expect(page.locator(".badge-journey-active")).to_be_visible()

    journey.refresh_from_db()
    graph = journey.draft_graph
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert {n["type"] for n in nodes.values()} == {"trigger", "condition", "send_email", "wait", "webhook", "notify"}
    assert nodes["trigger-1"]["config"]["event"] == "form_submitted"
    rule = nodes["condition-1"]["config"]["rule"]["all"][0]
    assert rule["name"] == "form_submitted"
    assert rule["where"] == [{"property": "budget", "op": "lt", "value": 5000}]
    assert nodes["send-email-1"]["config"]["template"] == templates[NURTURE].pk
    assert nodes["wait-1"]["config"]["amount"] == 2
    assert nodes["notify-1"]["config"]["to"] == ["sales@example.com"]
    assert {(e["source"], e["sourceHandle"], e["target"]) for e in graph["edges"]} == {
        ("trigger-1", None, "condition-1"),
        ("condition-1", "yes", "send-email-1"),
        ("send-email-1", None, "wait-1"),
        ("wait-1", None, "send-email-2"),
        ("condition-1", "no", "webhook-1"),
        ("webhook-1", "next", "notify-1"),
    }

    # A lead comes in through the API; the canvas shows it pass the condition and wait.
    expect(page.locator(".live-indicator")).to_contain_text("Live")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        f"{app_server.url}/api/v1/events/",
        data=json.dumps({"name": "form_submitted", "email": "lead@example.com", "properties": {"budget": 3000}}),
        headers={"Content-Type": "application/json", "X-CSRFToken": token, "Referer": app_server.url},
    )
    assert answer.ok, answer.text()
    expect(step(page, "wait-1").locator('[data-count="waiting"]')).to_have_text("1", timeout=20_000)
    expect(step(page, "condition-1").locator('[data-count="passed"]')).to_have_text("1")
    expect(step(page, "send-email-1").locator('[data-count="sent"]')).to_have_text("1")
    if app_server.websockets:
        expect(page.locator(".live-indicator")).to_have_text("Live")
    screenshot(page, "canvas-live")

    step(page, "wait-1").locator(".step-badge-waiting").click()
    contacts = page.get_by_role("dialog")
    expect(contacts).to_contain_text("lead@example.com")
    page.keyboard.press("Escape")

    positions = {n["id"]: n["position"] for n in graph["nodes"]}
    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(7)
    expect(page.locator(".react-flow__edge")).to_have_count(6)
    select(page, "condition-1")
    expect(inspector(page).get_by_label("Property")).to_have_value("budget")
    journey.refresh_from_db()
    assert {n["id"]: n["position"] for n in journey.draft_graph["nodes"]} == positions


def _two_steps(templates):
    graph = {
        "nodes": [
            {
                "id": "start",
                "type": "trigger",
                "config": {"kind": "event", "event": "signed_up"},
                "position": {"x": 0, "y": 0},
            },
            {
                "id": "mail",
                "type": "send_email",
                "config": {"template": templates["Welcome"].pk},
                "position": {"x": 0, "y": 180},
            },
        ],
        "edges": [{"id": "e1", "source": "start", "sourceHandle": None, "target": "mail"}],
    }
    return journey_create(name="Two steps", graph=graph)


def _position(page, node_id):
    return step(page, node_id).evaluate("e => e.style.transform")


def test_undo_and_redo_bring_back_positions_and_connections(page, app_server, marketer, log_in, templates):
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    before = _position(page, "mail")

    box = step(page, "mail").locator(".step-head").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 220, box["y"] + 90, steps=10)
    page.mouse.up()
    moved = _position(page, "mail")
    assert moved != before

    page.locator(".react-flow__edge").click()
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(0)

    page.keyboard.press("Control+z")
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    page.keyboard.press("Control+z")
    assert _position(page, "mail") == before
    page.get_by_role("button", name="Redo").click()
    assert _position(page, "mail") == moved
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    saved(page)
    journey.refresh_from_db()
    assert journey.draft_graph["edges"] == []

    # Copy, paste and duplicate are graph changes too, undone the same way.
    select(page, "mail")
    page.keyboard.press("Control+d")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.keyboard.press("Control+z")
    expect(page.locator(".react-flow__node")).to_have_count(2)


def _drag_end_of(page, edge_id, end, to_node=None, to_point=None):
    """Drag the ``end`` ("source" or "target") of a connection onto another step's input, or
    to a point of the page."""
    anchor = page.locator(f'.react-flow__edge[data-id="{edge_id}"] .react-flow__edgeupdater-{end}').bounding_box()
    if to_node:
        goal = step(page, to_node).locator(".step-handle-in").bounding_box()
        to_point = (goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2)
    page.mouse.move(anchor["x"] + anchor["width"] / 2, anchor["y"] + anchor["height"] / 2)
    page.mouse.down()
    page.mouse.move(*to_point, steps=12)
    page.mouse.up()


def test_a_connection_is_moved_by_dragging_its_end_to_another_step(page, app_server, marketer, log_in, templates):
    journey = _two_steps(templates)
    graph = journey.draft_graph
    graph["nodes"].append({"id": "bye", "type": "exit", "config": {}, "position": {"x": 360, "y": 180}})
    journey_update(journey=journey, graph=graph)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    _drag_end_of(page, "e1", "target", "bye")
    saved(page)
    journey.refresh_from_db()
    assert [(e["id"], e["source"], e["target"]) for e in journey.draft_graph["edges"]] == [("e1", "start", "bye")]

    # Let go over empty canvas: the connection stays where it was.
    pane = page.locator(".react-flow__pane").bounding_box()
    _drag_end_of(page, "e1", "target", to_point=(pane["x"] + 40, pane["y"] + pane["height"] - 40))
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    page.keyboard.press("Control+z")  # the move above is one undoable change
    saved(page)
    journey.refresh_from_db()
    assert [(e["source"], e["target"]) for e in journey.draft_graph["edges"]] == [("start", "mail")]


def test_an_invalid_journey_cannot_be_published_and_its_steps_are_marked(page, app_server, marketer, log_in, templates):
    graph = {
        "nodes": [
            {
                "id": "start",
                "type": "trigger",
                "config": {"kind": "event", "event": "signed_up"},
                "position": {"x": 0, "y": 0},
            },
            {"id": "mail", "type": "send_email", "config": {}, "position": {"x": 300, "y": 180}},
        ],
        "edges": [],
    }
    journey = journey_create(name="Unfinished", graph=graph)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Publish the journey")
    expect(dialog).to_contain_text("It cannot be published yet")
    expect(dialog.get_by_role("button", name="Publish")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(step(page, "mail").locator(".step")).to_have_class("step step-actions has-problems")
    select(page, "mail")
    expect(inspector(page).locator('[data-field="template"] .field-error')).to_be_visible()
    assert not journey.versions.exists()

    # Fixing it in the inspector clears the mark once the change is saved.
    inspector(page).get_by_label("Email template").select_option(label="Welcome")
    connect(page, "start", "mail")
    saved(page)
    expect(step(page, "mail").locator(".step")).not_to_have_class("step step-actions has-problems", timeout=10_000)


def test_a_viewer_can_open_a_journey_but_not_change_it(page, app_server, viewer, log_in, templates):
    journey = _two_steps(templates)
    log_in(page, viewer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    expect(page.locator(".canvas-toolbar .badge-viewer")).to_have_text("View only")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    expect(page.locator('.palette-item[data-kind="wait"]')).to_be_disabled()
    select(page, "mail")
    expect(inspector(page).get_by_label("Email template")).to_be_disabled()
    page.keyboard.press("Delete")
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    drop(page, "wait", 300, 300)
    expect(page.locator(".react-flow__node")).to_have_count(2)
    journey.refresh_from_db()
    assert len(journey.draft_graph["nodes"]) == 2


def test_a_test_run_lights_up_the_path_and_previews_the_email(page, app_server, marketer, log_in, templates):
    from contacts.services.contacts import contact_upsert

    contact_upsert(email="kim@example.com", data={"first_name": "Kim"})
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.get_by_role("button", name="Test run").click()
    page.get_by_label("Contact", exact=True).fill("kim")
    page.get_by_role("option", name="kim@example.com").click()
    page.get_by_role("button", name="Run test").click()
    expect(step(page, "mail").locator(".step")).to_have_class("step step-actions is-lit step-outcome-passed")
    expect(page.locator(".react-flow__edge.is-lit")).to_have_count(1)
    step(page, "mail").get_by_role("button", name="Preview email").click()
    preview = page.get_by_role("dialog")
    expect(preview.locator("iframe")).to_be_visible()
    expect(preview).to_contain_text("kim@example.com")


def test_version_history_shows_an_old_version_read_only_and_restores_it(page, app_server, marketer, log_in, templates):
    journey = _two_steps(templates)
    journey_publish(journey=journey, user=None)
    graph = json.loads(json.dumps(journey.draft_graph))
    graph["nodes"].append({"id": "end", "type": "exit", "config": {}, "position": {"x": 0, "y": 360}})
    journey.draft_graph = graph
    journey.save()
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.get_by_role("button", name="Versions").click()
    page.get_by_role("button", name="View", exact=True).click()
    expect(page.locator(".viewing-banner")).to_contain_text("version 1")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    page.get_by_role("button", name="Back to the draft").click()
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.get_by_role("button", name="Restore as draft").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    saved(page)
    journey.refresh_from_db()
    assert [n["id"] for n in journey.draft_graph["nodes"]] == ["start", "mail"]


def test_a_200_step_journey_opens_and_answers_quickly(page, app_server, marketer, log_in, templates):
    """Measures (and reports in artifacts/canvas-timing.json) how long a 200-step journey takes
    from navigation to a step selected in the inspector. Not a timed assertion: see bench/."""
    nodes, edges = [], []
    for index in range(200):
        kind = "trigger" if index == 0 else ("wait" if index % 2 else "send_email")
        config = (
            {"kind": "event", "event": "signed_up"}
            if kind == "trigger"
            else ({"amount": 1, "unit": "days"} if kind == "wait" else {"template": templates["Welcome"].pk})
        )
        nodes.append(
            {
                "id": f"s{index}",
                "type": kind,
                "config": config,
                "position": {"x": (index % 10) * 280, "y": (index // 10) * 160},
            }
        )
        if index:
            edges.append({"id": f"e{index}", "source": f"s{index - 1}", "sourceHandle": None, "target": f"s{index}"})
    journey = journey_create(name="Big", graph={"nodes": nodes, "edges": edges})
    log_in(page, marketer, base_url=app_server.url)
    started = time.perf_counter()
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.wait_for_function("window.__journeyEditorInteractive !== undefined")
    step(page, "s55").locator(".step-head").click()
    expect(page.locator('[data-inspecting="s55"]')).to_be_visible()
    interactive = time.perf_counter() - started
    timing = page.evaluate(
        """() => ({
            mounted_ms: Math.round(window.__journeyEditorReady),
            interactive_ms: Math.round(window.__journeyEditorInteractive),
            steps_drawn: document.querySelectorAll('.react-flow__node').length,
        })"""
    )
    timing |= {"steps": 200, "first_click_answered_s": round(interactive, 3)}
    (ARTIFACTS / "canvas-timing.json").parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "canvas-timing.json").write_text(json.dumps(timing) + "\n")
    assert page.locator(".react-flow__node").count() > 0


def test_a_refused_or_failed_save_keeps_the_change_on_screen_and_says_why(
    page, app_server, marketer, log_in, templates, console_allows
):
    console_allows.append("status of 400")  # the server's answer to the blank name
    console_allows.append("net::ERR_FAILED")  # the save the test cuts off
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.get_by_role("button", name="Settings", exact=True).click()
    drawer = page.get_by_role("complementary", name="Journey settings")
    drawer.get_by_label("Name", exact=True).fill("")
    expect(page.locator(".save-indicator")).to_contain_text("Not saved")
    expect(drawer.locator(".field-error")).to_be_visible()
    assert drawer.get_by_label("Name", exact=True).input_value() == ""
    journey.refresh_from_db()
    assert journey.name == "Two steps"

    drawer.get_by_label("Name", exact=True).fill("Welcome, take two")
    saved(page)
    journey.refresh_from_db()
    assert journey.name == "Welcome, take two"

    # The server cannot be reached: the change stays, and is saved once it can.
    page.route(f"**/api/v1/journeys/{journey.pk}/", lambda route: route.abort())
    page.get_by_role("button", name="Close").click()
    select(page, "mail")
    inspector(page).get_by_label("Name on the canvas").fill("Say hello")
    expect(page.locator(".save-indicator")).to_contain_text("Could not reach the server")
    page.unroute(f"**/api/v1/journeys/{journey.pk}/")
    page.get_by_role("button", name="Try again").click()
    saved(page)
    journey.refresh_from_db()
    assert journey.draft_graph["nodes"][1]["label"] == "Say hello"


def test_two_tabs_on_one_draft_see_each_others_saves_instead_of_overwriting_them(
    page, app_server, marketer, log_in, templates, console_allows, screenshot
):
    console_allows.append("status of 409")  # the server refusing the save over the other tab's
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto(f"{app_server.url}/journeys/{journey.pk}/")
        expect(step(tab, "mail")).to_be_visible()

    select(page, "mail")
    inspector(page).get_by_label("Name on the canvas").fill("Tab A says hello")
    saved(page)

    select(other, "mail")
    inspector(other).get_by_label("Name on the canvas").fill("Tab B says hi")
    indicator = other.locator(".save-indicator")
    expect(indicator).to_contain_text("Changed elsewhere")
    expect(other.get_by_role("alert")).to_contain_text("after you opened it")
    screenshot(other, "canvas-changed-elsewhere")
    journey.refresh_from_db()
    assert journey.draft_graph["nodes"][1]["label"] == "Tab A says hello"
    # Publishing now would publish tab A's draft under tab B's eyes: it is refused with the reason.
    other.get_by_role("button", name="Publish", exact=True).click()
    expect(other.get_by_role("dialog")).to_contain_text("not saved")
    other.keyboard.press("Escape")

    other.get_by_role("button", name="Keep mine").click()
    expect(indicator).to_have_text("All changes saved", timeout=10_000)
    journey.refresh_from_db()
    assert journey.draft_graph["nodes"][1]["label"] == "Tab B says hi"

    # Tab A, still on its own copy, is told too; it takes tab B's version (no "leave page?" question).
    select(page, "start")
    inspector(page).get_by_label("Name on the canvas").fill("Entry, by tab A")
    expect(page.locator(".save-indicator")).to_contain_text("Changed elsewhere")
    page.get_by_role("button", name="Load their version").click()
    expect(step(page, "mail")).to_contain_text("Tab B says hi")
    expect(page.locator(".save-indicator")).to_have_text("All changes saved")
    journey.refresh_from_db()
    assert journey.draft_graph["nodes"][0].get("label") != "Entry, by tab A"
    other.close()


def test_journey_settings_shortcuts_and_the_context_menu(page, app_server, marketer, log_in, templates, console_allows):
    console_allows.append("status of 400")  # the send window before its hours are filled in
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.get_by_role("button", name="Settings", exact=True).click()
    drawer = page.get_by_role("complementary", name="Journey settings")
    drawer.get_by_label("Goal", exact=True).check()
    drawer.locator('[data-field="goal.event"] input').fill("order_completed")
    drawer.get_by_label("Send emails only").check()
    drawer.get_by_role("group", name="Days").get_by_label("Monday").check()
    expect(page.locator(".save-indicator")).to_contain_text("fix the marked fields")  # From and Until are needed
    drawer.get_by_label("From").fill("09:00")
    drawer.get_by_label("Until").fill("17:00")
    saved(page)
    journey.refresh_from_db()
    assert journey.settings["goal"]["event"] == "order_completed"
    assert journey.settings["send_window"] == {"weekdays": [0], "start": "09:00", "end": "17:00"}

    page.locator(".react-flow__pane").click(position={"x": 500, "y": 500})
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Ctrl+D")
    page.keyboard.press("Escape")

    step(page, "mail").locator(".step-head").click(button="right")
    page.get_by_role("menuitem", name="Duplicate").click()
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.locator(".react-flow__pane").click(button="right", position={"x": 120, "y": 200})
    page.get_by_role("menuitem", name="Undo").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)


def test_an_exported_journey_imports_as_a_new_draft(page, app_server, marketer, log_in, templates, tmp_path):
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    page.locator(".toolbar-more > summary").click()
    with page.expect_download() as download:
        page.get_by_role("menuitem", name="Export JSON").click()
    exported = tmp_path / "journey.json"
    download.value.save_as(exported)
    assert json.loads(exported.read_text())["format"] == "flowbuilder.journey"
    page.locator(".toolbar-more > summary").click()
    page.locator('.menu-file input[type="file"]').set_input_files(str(exported))
    page.wait_for_url(lambda url: url.rstrip("/").endswith(str(journey.pk + 1)))
    expect(page.locator(".react-flow__node")).to_have_count(2)
    assert Journey.objects.count() == 2


def test_shortcut_keys_are_spelt_as_the_marketers_keyboard_has_them(
    page, app_server, marketer, log_in, templates, screenshot
):
    marketer.language = "de"
    marketer.save(update_fields=["language"])
    journey = _two_steps(templates)
    log_in(page, marketer, base_url=app_server.url)
    page.goto(f"{app_server.url}/journeys/{journey.pk}/")
    expect(step(page, "mail")).to_be_visible()
    page.locator(".react-flow__pane").click(position={"x": 20, "y": 20})
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog")
    expect(shortcuts).to_contain_text("Strg+D")
    expect(shortcuts).to_contain_text("Strg+Z / Strg+Umschalt+Z")
    expect(shortcuts).to_contain_text("Entf / Rücktaste")
    expect(shortcuts).to_contain_text("Umschalt+Ziehen")
    expect(shortcuts).not_to_contain_text("Shift")
    expect(shortcuts).not_to_contain_text("Ctrl")
    screenshot(page, "canvas-shortcuts-german")


def test_an_empty_journey_starts_from_a_ready_made_one_in_place(
    page, app_server, marketer, log_in, templates, screenshot
):
    journey = _blank_journey(page, app_server, marketer, log_in)
    gallery = page.get_by_role("list", name="Ready-made journeys")
    expect(gallery.get_by_role("button")).to_have_count(6)
    screenshot(page, "canvas-empty-gallery")
    gallery.get_by_role("button", name="Welcome series").click()
    expect(page.locator(".react-flow__node").first).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Started from “Welcome series”")).to_be_visible()
    saved(page)
    screenshot(page, "canvas-started-from-gallery")
    journey.refresh_from_db()
    assert journey.name == "Welcome series"  # it was "Untitled journey"
    expect(page.locator(".topbar-title h1")).to_have_text("Welcome series")
    expect(page).to_have_title("Welcome series · Flowbuilder")
    mails = [n for n in journey.draft_graph["nodes"] if n["type"] == "send_email"]
    assert mails
    assert all(n["config"]["template"] in {t.pk for t in templates.values()} for n in mails)
    assert Journey.objects.count() == 1  # this draft, no second journey

    page.keyboard.press("Control+z")
    expect(page.locator(".canvas-empty")).to_be_visible()
    saved(page)
    journey.refresh_from_db()
    assert (journey.draft_graph["nodes"], journey.name) == ([], "Untitled journey")


def test_what_a_ready_made_journey_needs_but_the_workspace_lacks_is_marked_to_pick(
    page, app_server, marketer, log_in, transactional_db, screenshot
):
    _blank_journey(page, app_server, marketer, log_in)
    gallery = page.get_by_role("list", name="Ready-made journeys")
    gallery.get_by_role("button", name="Win back customers at risk").click()
    expect(page.get_by_role("status").filter(has_text="does not have yet")).to_be_visible()
    expect(page.locator(".step-problem-count").first).to_be_visible()  # the steps to finish are marked
    page.locator(".react-flow__node", has=page.locator(".step-problem-count")).first.locator(".step-head").click()
    expect(inspector(page)).to_contain_text("There is no")
    screenshot(page, "canvas-gallery-to-pick")

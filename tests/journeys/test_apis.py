"""The journeys API, as the canvas and integrations use it."""

from __future__ import annotations

import pytest

from journeys.models import Journey


@pytest.fixture
def api(api_client, marketer):
    api_client.force_authenticate(marketer)
    return api_client


def test_the_palette_lists_every_node_type_with_its_form(api, db):
    types = {t["type"]: t for t in api.get("/api/v1/node-types/").json()}
    assert len(types) == 11
    assert types["condition"]["outputs"] == [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}]
    assert types["split"]["dynamic_outputs"] is True
    assert types["trigger"]["is_trigger"] is True
    assert types["send_email"]["category_label"] == "Actions"
    assert any(f["name"] == "template" and f["to"] == "template" for f in types["send_email"]["config_schema"])


def test_the_palette_speaks_the_users_language(api_client, make_user, db):
    from flowbuilder.accounts.roles import Role

    api_client.force_authenticate(make_user(Role.VIEWER))
    types = {t["type"]: t for t in api_client.get("/api/v1/node-types/", HTTP_ACCEPT_LANGUAGE="de").json()}
    assert types["wait"]["label"] == "Warten"


def test_create_save_validate_publish_and_read_versions(api, welcome_graph):
    created = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    check = api.post(f"/api/v1/journeys/{pk}/validate/").json()
    assert check == {"valid": True, "errors": [], "warnings": []}
    preview = api.post(f"/api/v1/journeys/{pk}/publish/", {"dry_run": True}).json()
    assert preview["valid"]
    assert preview["diff"] is None
    published = api.post(f"/api/v1/journeys/{pk}/publish/", {"change_note": "Launch"})
    assert published.status_code == 201
    assert published.json()["version"] == 1
    versions = api.get(f"/api/v1/journeys/{pk}/versions/").json()
    assert [(v["number"], v["change_note"]) for v in versions] == [(1, "Launch")]
    assert api.get(f"/api/v1/journeys/{pk}/versions/1/").json()["graph"]["nodes"][0]["id"] == "t"
    assert api.get(f"/api/v1/journeys/{pk}/versions/diff/", {"from": "1", "to": "draft"}).json()["nodes_changed"] == []
    assert api.post(f"/api/v1/journeys/{pk}/pause/").json()["status"] == "paused"
    assert api.post(f"/api/v1/journeys/{pk}/resume/").json()["status"] == "active"


def test_validation_problems_point_at_the_node_and_field(api, build, refs):
    graph = build(("t", "trigger", {"kind": "event"}), ("x", "exit", {}))
    pk = api.post("/api/v1/journeys/", {"name": "Bad", "graph": graph}).json()["id"]
    errors = api.post(f"/api/v1/journeys/{pk}/validate/").json()["errors"]
    assert {
        "code": "invalid_config",
        "message": "This field is required for this kind of trigger.",
        "node_id": "t",
        "field": "config.event",
        "edge_id": None,
    } in errors
    response = api.post(f"/api/v1/journeys/{pk}/publish/", {})
    assert response.status_code == 400
    assert "graph.nodes[t].config.event" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("graph", "field"),
    [
        ({"nodes": "all of them"}, "graph"),
        ({"nodes": [{"id": "a", "type": "rocket", "position": {"x": 0, "y": 0}}]}, "graph.nodes[a].type"),
        (
            {
                "nodes": [
                    {"id": "a", "type": "exit", "position": {"x": 0, "y": 0}},
                    {"id": "a", "type": "exit", "position": {"x": 0, "y": 0}},
                ]
            },
            "graph.nodes[a].id",
        ),
        ({"nodes": [{"type": "exit", "position": {"x": 0, "y": 0}}]}, "graph.nodes.0.id"),
    ],
)
def test_a_malformed_graph_is_a_400_and_nothing_is_stored(api, db, graph, field):
    response = api.post("/api/v1/journeys/", {"name": "X", "graph": graph}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Journey.objects.exists()


def test_export_import_duplicate_and_gallery(api, refs, welcome_graph):
    pk = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph}).json()["id"]
    document = api.get(f"/api/v1/journeys/{pk}/export/").json()
    assert document["format"] == "flowbuilder.journey"
    assert api.post("/api/v1/journeys/import/", document, format="json").status_code == 201
    assert api.post(f"/api/v1/journeys/{pk}/duplicate/").json()["name"] == "Welcome (copy)"
    gallery = api.get("/api/v1/journeys/gallery/").json()
    assert {g["key"] for g in gallery} >= {"welcome", "lead-nurture", "cart-abandonment", "win-back"}
    used = api.post("/api/v1/journeys/gallery/win-back/use/")
    assert used.status_code == 201
    assert api.post("/api/v1/journeys/gallery/nothing/use/").status_code == 404


def test_viewers_read_and_validate_but_do_not_change(api_client, viewer, refs, welcome_graph):
    journey = Journey.objects.create(name="Welcome", draft_graph=welcome_graph)
    api_client.force_authenticate(viewer)
    assert api_client.get(f"/api/v1/journeys/{journey.pk}/").status_code == 200
    assert api_client.post(f"/api/v1/journeys/{journey.pk}/validate/").status_code == 200
    assert api_client.patch(f"/api/v1/journeys/{journey.pk}/", {"name": "Mine"}).status_code == 403
    assert api_client.post(f"/api/v1/journeys/{journey.pk}/publish/", {}).status_code == 403


def test_the_webhook_secret_is_write_only(api, refs, welcome_graph):
    pk = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph}).json()["id"]
    assert api.put(f"/api/v1/journeys/{pk}/webhook-secret/", {"secret": "short"}).status_code == 400
    assert api.put(f"/api/v1/journeys/{pk}/webhook-secret/", {"secret": "s" * 32}).status_code == 204
    body = api.get(f"/api/v1/journeys/{pk}/").content.decode()
    assert '"webhook_secret_set":true' in body
    assert "s" * 32 not in body
    assert "s" * 32 not in api.get(f"/api/v1/journeys/{pk}/export/").content.decode()


def test_a_save_based_on_an_old_revision_is_refused_and_loses_nothing(api, welcome_graph):
    """Two tabs (or two marketers) on one draft: the second save over the first is a 409, not a silent overwrite."""
    journey = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph}).json()
    url, opened_at = f"/api/v1/journeys/{journey['id']}/", journey["draft_revision"]
    first = api.patch(url, {"name": "Welcome (tab A)", "draft_revision": opened_at}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["draft_revision"] == opened_at + 1
    second = api.patch(url, {"name": "Welcome (tab B)", "draft_revision": opened_at}, format="json")
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "draft_changed"
    assert "changed elsewhere" in error["message"]
    assert error["current"]["draft_revision"] == opened_at + 1
    assert error["current"]["draft_saved_at"] == first.json()["draft_saved_at"]  # when tab A saved
    assert api.get(url).json()["name"] == "Welcome (tab A)"
    # Tab B saw tab A's revision (or chose to keep its own): it saves on top of it.
    third = api.patch(url, {"name": "Welcome (tab B)", "draft_revision": opened_at + 1}, format="json")
    assert third.status_code == 200
    assert (third.json()["name"], third.json()["draft_revision"]) == ("Welcome (tab B)", opened_at + 2)
    # Integrations that send no revision save regardless, and count it up too.
    assert api.patch(url, {"description": "By the API"}, format="json").json()["draft_revision"] == opened_at + 3


@pytest.mark.parametrize("revision", ["3", 0, True, 1.5])
def test_a_bad_draft_revision_is_named(api, welcome_graph, revision):
    journey = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph}).json()
    response = api.patch(f"/api/v1/journeys/{journey['id']}/", {"name": "X", "draft_revision": revision}, format="json")
    assert response.status_code == 400
    assert "draft_revision" in response.json()["error"]["fields"]
    assert Journey.objects.get().name == "Welcome"


def test_a_draft_save_keeps_a_status_changed_meanwhile(api, welcome_graph):
    from journeys import services

    journey = Journey.objects.get(pk=api.post("/api/v1/journeys/", {"name": "W", "graph": welcome_graph}).json()["id"])
    api.post(f"/api/v1/journeys/{journey.pk}/publish/", {"change_note": "Launch"})
    services.journey_update(journey=journey, name="Renamed")  # ``journey`` was read before the publish
    journey.refresh_from_db()
    assert (journey.name, journey.status, journey.live_version is not None) == ("Renamed", "active", True)


def test_a_save_sent_again_after_its_answer_was_lost_is_not_a_conflict(api, welcome_graph):
    """The network dropped the answer, the editor retries with the revision it had: the draft
    already is what it sends, so that is its own save, not someone else's."""
    journey = api.post("/api/v1/journeys/", {"name": "Welcome", "graph": welcome_graph}).json()
    url, opened_at = f"/api/v1/journeys/{journey['id']}/", journey["draft_revision"]
    first, *others = welcome_graph["nodes"]
    graph = {**welcome_graph, "nodes": [{**first, "label": "Signed up"}, *others]}
    save = {"name": "Welcome", "graph": graph, "settings": journey["settings"], "draft_revision": opened_at}
    assert api.patch(url, save, format="json").status_code == 200  # its answer "lost"
    again = api.patch(url, save, format="json")
    assert again.status_code == 200
    assert again.json()["draft_revision"] == opened_at + 1  # stored once, counted once
    changed = api.patch(url, {**save, "name": "Welcome, later"}, format="json")
    assert changed.status_code == 409


def test_a_gallery_journey_resolves_to_this_workspaces_ids_to_start_a_draft_from(api, db):
    from journeys.demo import demo_load
    from journeys.models import EmailTemplate

    demo_load()
    response = api.get("/api/v1/journeys/gallery/welcome/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["unresolved"] == []
    mails = [n for n in body["graph"]["nodes"] if n["type"] == "send_email"]
    assert mails
    assert {n["config"]["template"] for n in mails} <= set(EmailTemplate.objects.values_list("pk", flat=True))
    assert not Journey.objects.exists()  # nothing stored: the canvas applies it to its draft
    assert api.get("/api/v1/journeys/gallery/nope/").status_code == 404


def test_what_a_gallery_journey_names_but_this_workspace_lacks_is_left_to_pick(api, db):
    body = api.get("/api/v1/journeys/gallery/win-back/").json()
    missing = {(u["kind"], u["name"]) for u in body["unresolved"]}
    assert ("template", "We miss you") in missing
    assert ("segment", "At risk customers") in missing
    assert "There is no email template called “We miss you” here yet" in next(
        u["message"] for u in body["unresolved"] if u["name"] == "We miss you"
    )
    for problem in body["unresolved"]:
        if problem["node_id"]:
            node = next(n for n in body["graph"]["nodes"] if n["id"] == problem["node_id"])
            assert node["config"].get(problem["field"].removeprefix("config.")) in (None, "")
    assert all(rule.get("segment") for rule in body["settings"].get("exit_rules", []) if "segment" in rule)

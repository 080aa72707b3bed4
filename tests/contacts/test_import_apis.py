"""The CSV import API: upload, map, start, follow progress."""

from __future__ import annotations

import pytest

from contacts.models import Contact, ContactImport
from contacts.services.imports import MAX_FILE_BYTES, import_run
from tests.contacts.import_fixtures import csv_file, media_root, run_import

__all__ = ["csv_file", "media_root", "run_import"]  # fixtures

CONTACTS_CSV = (
    "E-Mail;Vorname;Plan;Tags\n"
    "kim@example.com;Kim;pro;webinar, beta\n"
    "lee@example.com;Lee;free;\n"
    "oops;Oli;pro;\n"
    "max@example.com;Max;;\n"
    "nia@example.com;Nia;team;vip\n"
    "ola@example.com;Ola;pro;\n"
    "pat@example.com;Pat;pro;\n"
)
MAPPING = {"E-Mail": "email", "Vorname": "first_name", "Plan": "attributes.plan", "Tags": "tags"}


@pytest.fixture
def api(api_client, marketer, media_root):
    api_client.force_authenticate(marketer)
    return api_client


@pytest.fixture
def uploaded(api, csv_file):
    """``uploaded(content)`` → the 201 response body of uploading ``content``."""

    def post(content=CONTACTS_CSV, name="signups.csv"):
        response = api.post("/api/v1/imports/", {"file": csv_file(content, name=name)}, format="multipart")
        assert response.status_code == 201, response.json()
        return response.json()

    return post


def test_an_upload_answers_columns_a_suggested_mapping_and_a_sample(uploaded, marketer):
    body = uploaded()
    assert body["original_name"] == "signups.csv"
    assert (body["status"], body["total_rows"], body["progress"]) == ("mapping", 7, 0)
    assert body["columns"] == ["E-Mail", "Vorname", "Plan", "Tags"]
    assert body["mapping"] == MAPPING
    assert body["sample"][:2] == [
        ["kim@example.com", "Kim", "pro", "webinar, beta"],
        ["lee@example.com", "Lee", "free", ""],
    ]
    assert len(body["sample"]) == 5
    assert body["created_by"] == marketer.username
    assert not Contact.objects.exists()


def test_starting_with_a_mapping_queues_the_import_and_the_detail_follows_it_to_the_end(api, uploaded):
    body = uploaded()
    response = api.post(f"/api/v1/imports/{body['id']}/start/", {"mapping": MAPPING}, format="json")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    import_run(import_id=body["id"])  # what the task cluster does next
    detail = api.get(f"/api/v1/imports/{body['id']}/").json()
    assert (detail["status"], detail["progress"], detail["processed_rows"]) == ("done", 100, 7)
    assert (detail["created_count"], detail["updated_count"], detail["unchanged_count"]) == (6, 0, 0)
    assert detail["rejected_count"] == 1
    assert detail["rejected"] == [
        {"row": 4, "column": "E-Mail", "reason": "Column “E-Mail”: “oops” is not a valid email address."}
    ]
    assert detail["error"] == ""
    assert detail["finished_at"] is not None
    kim = Contact.objects.get(email="kim@example.com")
    assert (kim.first_name, kim.attributes, sorted(kim.tags.values_list("name", flat=True))) == (
        "Kim",
        {"plan": "pro"},
        ["beta", "webinar"],
    )


def test_a_bad_mapping_answers_400_naming_the_column(api, uploaded):
    body = uploaded()
    response = api.post(
        f"/api/v1/imports/{body['id']}/start/",
        {"mapping": {**MAPPING, "Plan": "first_name", "Tags": "colour"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"mapping.Plan", "mapping.Tags"}
    response = api.post(f"/api/v1/imports/{body['id']}/start/", {"mapping": MAPPING, "go": True}, format="json")
    assert response.json()["error"]["fields"] == {"go": ["Unknown field."]}
    response = api.post(f"/api/v1/imports/{body['id']}/start/", {}, format="json")
    assert "mapping" in response.json()["error"]["fields"]
    assert ContactImport.objects.get().status == "mapping"


def test_starting_an_import_twice_answers_409(api, uploaded):
    body = uploaded()
    assert api.post(f"/api/v1/imports/{body['id']}/start/", {"mapping": MAPPING}, format="json").status_code == 202
    response = api.post(f"/api/v1/imports/{body['id']}/start/", {"mapping": MAPPING}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert "already been started" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("content", "name", "problem"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png", "not a CSV text file"),
        ("email,name\nkim@example.com,Jürgen\n".encode("cp1252"), "excel.csv", "not UTF-8"),
        ("email,name\n", "header-only.csv", "no rows"),
    ],
    ids=["image", "cp1252", "no-rows"],
)
def test_a_file_that_cannot_be_imported_answers_400_naming_the_problem(api, csv_file, content, name, problem):
    response = api.post("/api/v1/imports/", {"file": csv_file(content, name=name)}, format="multipart")
    assert response.status_code == 400
    assert problem in response.json()["error"]["fields"]["file"][0]
    assert not ContactImport.objects.exists()


def test_an_oversized_upload_is_refused(api, csv_file):
    big = csv_file(b"email\n" + b"kim@example.com\n" * (MAX_FILE_BYTES // 16 + 1), name="huge.csv")
    response = api.post("/api/v1/imports/", {"file": big}, format="multipart")
    assert response.status_code == 400
    assert "at most 50 MB" in response.json()["error"]["fields"]["file"][0]


def test_an_upload_without_a_file_or_as_json_is_refused(api):
    response = api.post("/api/v1/imports/", {"name": "contacts.csv"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
    response = api.post("/api/v1/imports/", {"file": "email\nkim@example.com\n"}, format="json")
    assert response.status_code == 415


def test_the_list_is_paginated_newest_first(api, uploaded):
    first, second = uploaded(name="one.csv"), uploaded(name="two.csv")
    body = api.get("/api/v1/imports/", {"page_size": 1}).json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [second["id"]]
    assert body["next"]
    assert "rejected" not in body["results"][0]
    assert first["id"] != second["id"]


def test_viewers_follow_imports_but_cannot_upload_or_start_them(api_client, viewer, media_root, run_import, csv_file):
    contact_import = run_import("email\nkim@example.com\n")
    api_client.force_authenticate(viewer)
    assert api_client.get("/api/v1/imports/").status_code == 200
    assert api_client.get(f"/api/v1/imports/{contact_import.pk}/").json()["status"] == "done"
    upload = api_client.post("/api/v1/imports/", {"file": csv_file("email\nlee@example.com\n")}, format="multipart")
    assert upload.status_code == 403
    start = api_client.post(f"/api/v1/imports/{contact_import.pk}/start/", {"mapping": {}}, format="json")
    assert start.status_code == 403
    assert ContactImport.objects.count() == 1


def test_anonymous_callers_get_nothing(api_client, db):
    assert api_client.get("/api/v1/imports/").status_code in (401, 403)
    assert api_client.get("/api/v1/imports/1/").status_code in (401, 403)

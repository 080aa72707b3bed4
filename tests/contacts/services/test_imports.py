"""CSV imports: checking uploads, mapping columns, and importing rows in chunks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contacts import signals
from contacts.models import Contact, ContactImport, StageChange
from contacts.services.contacts import contact_upsert
from contacts.services.imports import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    import_create,
    import_run,
    import_schedule,
    import_start,
    mapping_clean,
    mapping_suggest,
)
from contacts.tasks import run_contact_import
from tests.contacts.import_fixtures import csv_file, media_root, run_import

__all__ = ["csv_file", "media_root", "run_import"]  # fixtures

MIXED = (
    "email,first_name,stage,timezone,note\n"  # line 1
    "ann@example.com,Ann,lead,Europe/Berlin,\n"  # 2
    "not-an-email,Bob,,,\n"  # 3
    "\n"  # 4: blank, skipped
    'cem@example.com,Cem,,,"two\nlines"\n'  # 5-6
    "dee@example.com,Dee,nonsense,,\n"  # 7
    "eve@example.com,Eve,,Moon/Base,\n"  # 8
    ",Fay,,,\n"  # 9: no identity
    "gus@example.com,Gus,,,,surplus\n"  # 10
)


@pytest.fixture
def upload(db, media_root, csv_file, marketer):
    """``upload(content, name=...)`` → a new import waiting for its mapping."""

    def make(content, name="contacts.csv"):
        return import_create(upload=csv_file(content, name=name), user=marketer)

    return make


def file_error(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["file"])


class TestUploads:
    def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column_name_cleanly(self, upload, media_root):
        contact_import = upload("\ufeffemail;Vorname\nkim@example.com;Kim\n")
        assert contact_import.columns == ["email", "Vorname"]
        assert contact_import.mapping == {"email": "email", "Vorname": "first_name"}
        assert (contact_import.status, contact_import.total_rows) == ("mapping", 1)
        assert (media_root / contact_import.file.name).is_file()

    @pytest.mark.parametrize("delimiter", [",", ";", "\t"])
    def test_commas_semicolons_and_tabs_all_separate_columns(self, upload, delimiter):
        row = delimiter.join(["kim@example.com", "Kim", "vip, beta"])
        contact_import = upload(f"email{delimiter}first name{delimiter}tags\n{row}\n")
        assert contact_import.columns == ["email", "first name", "tags"]

    def test_blank_lines_are_not_counted_as_rows(self, upload):
        assert upload("email\n\nkim@example.com\n\n\nlee@example.com\n").total_rows == 2

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ("email,name\nkim@example.com,Jürgen\n".encode("cp1252"), "not UTF-8 text (near line 2)"),
            ("email\nkim@example.com\n".encode("utf-16"), "UTF-16"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file"),
            (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV text file"),
            (b"", "empty"),
            ("email,Email\nkim@example.com,kim@example.com\n", "“Email” appears twice"),
            ("email,,name\nkim@example.com,,Kim\n", "Column 2 has no name"),
            ("kim@example.com,Kim\nlee@example.com,Lee\n", "“kim@example.com” looks like data"),
            ("email,name\n", "no rows"),
        ],
        ids=["cp1252", "utf16", "png", "xlsx", "empty", "duplicate", "unnamed", "no-header", "no-rows"],
    )
    def test_a_file_that_cannot_be_imported_is_refused_naming_the_problem(self, upload, content, problem, media_root):
        with pytest.raises(ValidationError) as excinfo:
            upload(content)
        assert problem in file_error(excinfo)
        assert not ContactImport.objects.exists()
        assert not media_root.exists() or not any(media_root.rglob("*.csv"))

    def test_a_bad_byte_or_a_nul_far_into_the_file_is_caught_before_anything_is_stored(self, upload):
        rows = "".join(f"p{n}@example.com\n" for n in range(10_000))  # well past the part sniffed
        with pytest.raises(ValidationError) as excinfo:
            upload(f"email\n{rows}".encode() + "jürgen@example.com\n".encode("cp1252"))
        assert "not UTF-8 text" in file_error(excinfo)
        with pytest.raises(ValidationError) as excinfo:
            upload(f"email\n{rows}nul\x00@example.com\n")
        assert "Line 10002 contains a NUL character" in file_error(excinfo)
        assert not ContactImport.objects.exists()

    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self, upload):
        with pytest.raises(ValidationError) as excinfo:
            upload(b"email\n" + b"x" * MAX_FILE_BYTES)
        assert "at most 50 MB" in file_error(excinfo)

    def test_a_file_with_too_many_rows_is_refused(self, upload):
        with pytest.raises(ValidationError) as excinfo:
            upload("email\n" + "x\n" * (MAX_ROWS + 1))
        assert "more than 1,000,000 rows" in file_error(excinfo)


class TestMapping:
    def test_common_column_names_are_mapped_and_the_rest_become_attributes(self):
        columns = [
            "E-Mail",
            "First Name",
            "Nachname",
            "Customer ID",
            "Time zone",
            "Language",
            "Lifecycle stage",
            "Subscribed",
            "Tags",
            "Plan Type",
            "Mail",
            "2FA enabled",
        ]
        assert mapping_suggest(columns=columns) == {
            "E-Mail": "email",
            "First Name": "first_name",
            "Nachname": "last_name",
            "Customer ID": "external_id",
            "Time zone": "timezone",
            "Language": "locale",
            "Lifecycle stage": "stage",
            "Subscribed": "email_consent",
            "Tags": "tags",
            "Plan Type": "attributes.plan_type",
            "Mail": "attributes.mail",  # email is taken by the first column
            "2FA enabled": "attributes.column_2fa_enabled",
        }
        mapping_clean(columns=columns, mapping=mapping_suggest(columns=columns))  # a suggestion is always valid

    def test_each_problem_is_named_by_its_column(self):
        columns = ["mail", "name", "plan", "tier", "shoe"]
        with pytest.raises(ValidationError) as excinfo:
            mapping_clean(
                columns=columns,
                mapping={
                    "mail": "email",
                    "name": "favourite_colour",
                    "plan": "attributes.plan",
                    "tier": "attributes.plan",
                    "size": "ignore",
                },
            )
        errors = excinfo.value.message_dict
        assert set(errors) == {"mapping.name", "mapping.tier", "mapping.shoe", "mapping.size"}
        assert "not a field" in errors["mapping.name"][0]
        assert "already used for column “plan”" in errors["mapping.tier"][0]
        assert "Choose a field" in errors["mapping.shoe"][0]
        assert "no column “size”" in errors["mapping.size"][0]

    def test_a_mapping_needs_email_or_external_id_and_sane_attribute_names(self):
        with pytest.raises(ValidationError) as excinfo:
            mapping_clean(columns=["name", "plan"], mapping={"name": "first_name", "plan": "ignore"})
        assert "email or external_id" in excinfo.value.message_dict["mapping"][0]
        with pytest.raises(ValidationError) as excinfo:
            mapping_clean(columns=["id", "plan"], mapping={"id": "external_id", "plan": "attributes.a b"})
        assert set(excinfo.value.message_dict) == {"mapping.plan"}

    def test_starting_queues_the_task_after_commit_and_only_once(self, upload, django_capture_on_commit_callbacks):
        contact_import = upload("email,plan\nkim@example.com,pro\n")
        with django_capture_on_commit_callbacks() as callbacks:
            import_start(contact_import=contact_import, mapping={"email": "email", "plan": "ignore"})
        assert len(callbacks) == 1
        assert (contact_import.status, contact_import.mapping) == ("queued", {"email": "email", "plan": "ignore"})
        with pytest.raises(ValidationError) as excinfo:
            import_start(contact_import=contact_import, mapping=contact_import.mapping)
        assert excinfo.value.code == "not_mapping"

    def test_a_bad_mapping_leaves_the_import_waiting(self, upload):
        contact_import = upload("email,plan\nkim@example.com,pro\n")
        with pytest.raises(ValidationError):
            import_start(contact_import=contact_import, mapping={"email": "email"})
        contact_import.refresh_from_db()
        assert contact_import.status == "mapping"


class TestRunning:
    def test_good_rows_are_imported_and_bad_ones_reported_by_line_and_column(self, run_import):
        contact_import = run_import(MIXED, mapping=None)
        assert (contact_import.status, contact_import.progress) == ("done", 100)
        assert contact_import.finished_at is not None
        assert (contact_import.total_rows, contact_import.processed_rows) == (7, 7)
        assert (contact_import.created_count, contact_import.updated_count) == (2, 0)
        assert set(Contact.objects.values_list("email", flat=True)) == {"ann@example.com", "cem@example.com"}
        rejected = {item["row"]: item for item in contact_import.rejected}
        assert sorted(rejected) == [3, 7, 8, 9, 10]
        assert rejected[3]["column"] == "email"
        assert rejected[3]["reason"] == "Column “email”: “not-an-email” is not a valid email address."
        assert rejected[7]["column"] == "stage"
        assert "no lifecycle stage 'nonsense'" in rejected[7]["reason"]
        assert rejected[8]["column"] == "timezone"
        assert "Moon/Base" in rejected[8]["reason"]
        assert "Give an email address or an external id" in rejected[9]["reason"]
        assert "6 cells but the first line names 5 columns" in rejected[10]["reason"]
        cem = Contact.objects.get(email="cem@example.com")
        assert cem.attributes == {"note": "two\nlines"}

    def test_reasons_are_written_in_the_language_of_who_uploaded_the_file(self, run_import, marketer):
        marketer.language = "de"
        marketer.save(update_fields=["language"])
        contact_import = run_import("email,timezone\nkim@example.com,Moon/Base\n")
        assert "„Moon/Base“ ist keine Zeitzone" in contact_import.rejected[0]["reason"]

    def test_rejected_rows_are_listed_up_to_a_thousand_and_all_counted(self, run_import):
        contact_import = run_import("email\n" + "not-an-email\n" * 1005)
        assert (contact_import.status, contact_import.processed_rows, contact_import.created_count) == ("done", 1005, 0)
        assert len(contact_import.rejected) == 1000
        assert contact_import.rejected[-1]["row"] == 1001

    def test_attribute_cells_keep_their_type_and_empty_cells_change_nothing(self, run_import, now):
        contact_upsert(email="kim@example.com", data={"attributes": {"plan": "free", "zip": "10115"}}, now=now)
        run_import(
            "email,plan,seats,price,active,zip,code,note\n"
            "kim@example.com,pro,12,19.90,TRUE,,007,12 apples\n"
            "lee@example.com,,-3,0.5,false,01234,1e5,\n"
        )
        kim = Contact.objects.get(email="kim@example.com")
        lee = Contact.objects.get(email="lee@example.com")
        assert kim.attributes == {
            "plan": "pro",
            "seats": 12,
            "price": 19.9,
            "active": True,
            "zip": "10115",
            "code": "007",
            "note": "12 apples",
        }
        assert lee.attributes == {"seats": -3, "price": 0.5, "active": False, "zip": "01234", "code": "1e5"}

    def test_tags_are_added_and_the_stage_is_set_with_cause_import(self, run_import, now):
        contact_upsert(email="kim@example.com", data={"tags": ["vip"]}, now=now)
        contact_import = run_import(
            "email,tags,lifecycle stage,consent\n"
            "kim@example.com,webinar; beta,Customer,no\n"
            'lee@example.com,"beta, newsletter",lead,yes\n'
        )
        kim = Contact.objects.get(email="kim@example.com")
        lee = Contact.objects.get(email="lee@example.com")
        assert set(kim.tags.values_list("name", flat=True)) == {"vip", "webinar", "beta"}
        assert set(lee.tags.values_list("name", flat=True)) == {"beta", "newsletter"}
        assert (kim.stage.key, lee.stage.key) == ("customer", "lead")
        assert (kim.email_consent, lee.email_consent) == ("unsubscribed", "subscribed")
        changes = StageChange.objects.filter(contact__in=[kim, lee])
        assert {(c.cause, c.detail) for c in changes} == {("import", f"import #{contact_import.pk}")}
        assert (contact_import.created_count, contact_import.updated_count) == (1, 1)

    def test_importing_the_same_file_again_changes_nothing(self, run_import):
        content = (
            "E-Mail,Vorname,Customer ID,Locale,Stage,Tags,Plan,Seats\n"
            "kim@example.com,Kim,c-1,de_at,customer,vip;beta,pro,12\n"
            "lee@example.com,Lee,,sv,lead,,free,1.5\n"
            "c-3@example.com,,c-3,,,beta,,\n"
        )
        first = run_import(content)
        assert (first.created_count, first.updated_count, first.unchanged_count) == (3, 0, 0)
        before = {c.pk: c.updated_at for c in Contact.objects.all()}
        stage_changes = StageChange.objects.count()
        again = run_import(content)
        assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
        assert again.rejected == []
        assert {c.pk: c.updated_at for c in Contact.objects.all()} == before
        assert StageChange.objects.count() == stage_changes

    def test_a_changed_row_counts_as_updated(self, run_import):
        run_import("email,first name\nkim@example.com,Kim\nlee@example.com,Lee\n")
        again = run_import("email,first name\nkim@example.com,Kim\nlee@example.com,Leo\n")
        assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 1, 1)

    def test_the_same_contact_twice_in_a_file_ends_with_the_last_row(self, run_import):
        contact_import = run_import("email,first name\nkim@example.com,Kim\nkim@example.com,Kimberly\n")
        assert Contact.objects.get().first_name == "Kimberly"
        assert (contact_import.created_count, contact_import.updated_count) == (1, 1)

    def test_a_row_that_fails_half_way_leaves_nothing_of_itself(self, run_import):
        def refuse(sender, changes, **kwargs):  # a subscriber refusing the change after the contact was written
            if any(change.contact.email == "lee@example.com" for change in changes):
                raise ValidationError({"stage": ["Lee may not become a customer."]})

        signals.stage_changed.connect(refuse)
        try:
            contact_import = run_import(
                "email,name,tags,stage\nkim@example.com,Kim,vip,customer\nlee@example.com,Lee,vip,customer\n",
                mapping={"email": "email", "name": "first_name", "tags": "tags", "stage": "stage"},
            )
        finally:
            signals.stage_changed.disconnect(refuse)
        assert contact_import.rejected == [
            {"row": 3, "column": "stage", "reason": "Column “stage”: Lee may not become a customer."}
        ]
        assert list(Contact.objects.values_list("email", flat=True)) == ["kim@example.com"]
        assert list(StageChange.objects.values_list("contact__email", flat=True)) == ["kim@example.com"]

    def test_an_unexpected_error_fails_the_import_and_rolls_back_its_chunk(self, run_import):
        def crash(sender, changes, **kwargs):
            if any(change.contact.email == "d@example.com" for change in changes):
                raise RuntimeError("the journeys subscriber fell over")

        signals.stage_changed.connect(crash)
        try:
            contact_import = run_import(
                "email,stage\na@example.com,lead\nb@example.com,lead\nc@example.com,lead\nd@example.com,lead\n",
                chunk_size=2,
            )
        finally:
            signals.stage_changed.disconnect(crash)
        assert contact_import.status == "failed"
        assert contact_import.finished_at is not None
        assert "after 2 rows" in contact_import.error
        assert "the journeys subscriber fell over" in contact_import.error
        assert (contact_import.processed_rows, contact_import.created_count) == (2, 2)
        assert set(Contact.objects.values_list("email", flat=True)) == {"a@example.com", "b@example.com"}

    def test_progress_and_counts_move_after_every_chunk_and_a_rerun_resumes(
        self, upload, django_capture_on_commit_callbacks
    ):
        contact_import = upload("email\n" + "".join(f"p{n}@example.com\n" for n in range(5)))
        import_start(contact_import=contact_import, mapping={"email": "email"})
        seen = []
        while contact_import.status != "done":
            with django_capture_on_commit_callbacks() as continuations:
                contact_import = import_run(import_id=contact_import.pk, chunk_size=2, time_limit=0)
            seen.append((contact_import.status, contact_import.processed_rows, contact_import.progress))
            queued = [c for c in continuations if getattr(c, "func", None) is import_schedule]
            assert len(queued) == (contact_import.status == "running")
        assert seen == [("running", 2, 40), ("running", 4, 80), ("done", 5, 100)]
        assert (contact_import.created_count, Contact.objects.count()) == (5, 5)

    def test_only_queued_or_running_imports_run(self, upload):
        contact_import = upload("email\nkim@example.com\n")
        assert import_run(import_id=contact_import.pk) is None
        assert import_run(import_id=contact_import.pk + 1000) is None
        assert not Contact.objects.exists()

    def test_the_task_runs_the_import_to_the_end(self, upload):
        contact_import = upload("email\nkim@example.com\n")
        import_start(contact_import=contact_import, mapping={"email": "email"})
        assert run_contact_import(contact_import.pk) == "done"
        assert Contact.objects.filter(email="kim@example.com").exists()

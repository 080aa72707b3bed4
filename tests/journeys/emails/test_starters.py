"""The starters a new template can begin with in the editor."""

from __future__ import annotations

import json
from pathlib import Path

from journeys.emails.services.templates import content_check, template_save
from journeys.emails.starters import starters_for_editor

ICONS = set(json.loads((Path(__file__).resolve().parents[3] / "frontend" / "icons.json").read_text())["icons"])


def test_there_is_a_blank_layout_and_five_finished_emails():
    starters = starters_for_editor(language="en", taken=[])
    assert [s["key"] for s in starters] == [
        "blank",
        "welcome",
        "nurture",
        "cart-reminder",
        "win-back",
        "review-request",
    ]
    assert all(s["label"] and s["description"] for s in starters)
    assert {s["icon"] for s in starters} <= ICONS


def test_finished_emails_come_in_every_language_of_the_demo():
    for starter in starters_for_editor(language="en", taken=[])[1:]:
        assert sorted(starter["versions"]) == ["de", "en", "nl", "sv"], starter["key"]


def test_the_blank_layout_is_in_the_language_of_the_new_template_and_has_no_name():
    blank = starters_for_editor(language="de", taken=[])[0]
    assert list(blank["versions"]) == ["de"]
    assert blank["name"] == ""
    html = blank["versions"]["de"]["html_body"]
    assert '<html lang="de">' in html
    assert "{{ unsubscribe_url }}" in html


def test_every_version_is_a_template_that_saving_accepts(db):
    for starter in starters_for_editor(language="en", taken=[])[1:]:
        versions = dict(starter["versions"])
        for code, content in versions.items():
            assert content_check(content) == {}, (starter["key"], code)
        main = versions.pop("en")
        template = template_save(data={"name": starter["name"], **main}, translations=versions)
        assert template.translations.count() == 3


def test_the_suggested_name_is_one_no_template_has_yet():
    starters = {s["key"]: s for s in starters_for_editor(language="en", taken=["welcome", "Welcome 2", "Nurture"])}
    assert starters["welcome"]["name"] == "Welcome 3"
    assert starters["nurture"]["name"] == "Nurture 2"
    assert starters["cart-reminder"]["name"] == "Cart reminder"

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from flowbuilder.accounts.roles import Role, role_of


def test_it_creates_one_user_per_role_and_prints_how_to_log_in(db, settings, capsys):
    settings.DEBUG = True
    call_command("demo_setup")
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {name: role_of(u) for name, u in users.items()} == {
        "admin": Role.ADMIN,
        "marketer": Role.MARKETER,
        "viewer": Role.VIEWER,
    }
    assert users["admin"].check_password("flowbuilder")
    out = capsys.readouterr().out
    assert "username: admin" in out
    assert "password: flowbuilder" in out


def test_it_leaves_a_database_with_users_alone(db, settings, make_user, capsys):
    settings.DEBUG = True
    make_user(Role.ADMIN, username="owner")
    call_command("demo_setup")
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["owner"]
    assert "password" not in capsys.readouterr().out


def test_it_stops_printing_the_password_once_it_was_changed(db, settings, capsys):
    settings.DEBUG = True
    call_command("demo_setup")
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("something else entirely")
    admin.save()
    capsys.readouterr()
    call_command("demo_setup")
    assert "password: flowbuilder" not in capsys.readouterr().out


def test_it_refuses_to_run_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("demo_setup")
    assert not get_user_model().objects.exists()

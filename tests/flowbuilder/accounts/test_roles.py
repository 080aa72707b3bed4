from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from flowbuilder.accounts.roles import Role, has_role, role_of
from flowbuilder.accounts.services import user_set_role


def test_the_role_groups_exist_after_migrating(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "marketer", "admin"}


def test_admins_get_every_permission_and_viewers_only_view_permissions(db):
    admin_perms = Group.objects.get(name="admin").permissions.count()
    assert admin_perms == Permission.objects.count()
    viewer_codenames = Group.objects.get(name="viewer").permissions.values_list("codename", flat=True)
    assert viewer_codenames
    assert all(code.startswith("view_") for code in viewer_codenames)


def test_a_user_gets_the_highest_role_of_their_groups(make_user):
    user = make_user(Role.VIEWER)
    user.groups.add(Group.objects.get(name="marketer"))
    user.refresh_from_db()
    assert role_of(user) == Role.MARKETER


def test_roles_are_ranked(make_user):
    marketer = make_user(Role.MARKETER)
    assert has_role(marketer, Role.VIEWER)
    assert has_role(marketer, Role.MARKETER)
    assert not has_role(marketer, Role.ADMIN)


def test_a_superuser_counts_as_admin_and_an_inactive_user_as_nobody(make_user):
    superuser = make_user(None, is_superuser=True)
    inactive = make_user(Role.ADMIN, is_active=False)
    assert role_of(superuser) == Role.ADMIN
    assert role_of(inactive) is None


def test_only_admins_become_staff_for_django_admin(make_user):
    user = make_user(Role.MARKETER)
    assert not user.is_staff
    user_set_role(user=user, role=Role.ADMIN)
    user.refresh_from_db()
    assert user.is_staff
    user_set_role(user=user, role=Role.VIEWER)
    user.refresh_from_db()
    assert not user.is_staff
    assert role_of(user) == Role.VIEWER


def test_adding_users_to_the_admin_group_from_the_group_side_makes_them_staff(make_user):
    user = make_user(None)
    Group.objects.get(name="admin").user_set.add(user)
    user.refresh_from_db()
    assert user.is_staff
    Group.objects.get(name="admin").user_set.clear()
    user.refresh_from_db()
    assert not user.is_staff


def test_the_user_admin_lists_each_users_role(client, admin, make_user):
    make_user(Role.VIEWER, username="vera")
    client.force_login(admin)
    page = client.get("/admin/accounts/user/").content.decode()
    assert "vera" in page
    assert '<td class="field-role">Viewer</td>' in page

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "flowbuilder.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from flowbuilder.accounts import roles

        post_migrate.connect(roles.sync_group_permissions, dispatch_uid="accounts.sync_group_permissions")
        user_groups = get_user_model().groups.through
        m2m_changed.connect(roles.sync_staff_flag, sender=user_groups, dispatch_uid="accounts.sync_staff_flag")

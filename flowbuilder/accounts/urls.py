from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from flowbuilder.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/preferences/", views.preferences, name="preferences"),
    path("language/", views.set_language, name="set_language"),
    path("settings/api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/write-keys/", views.write_key_create, name="write_key_create"),
    path("settings/write-keys/<int:key_id>/revoke/", views.write_key_revoke, name="write_key_revoke"),
]

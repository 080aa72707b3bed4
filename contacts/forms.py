from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contacts.models import Audience, LifecycleStage
from contacts.providers import provider_class


class AudienceForm(forms.Form):
    """Name, provider and the provider's settings. Credentials are write-only: always shown empty."""

    name = forms.CharField(label=_("Name"), max_length=150)
    provider = forms.ChoiceField(label=_("Where the audience lives"), choices=Audience.Provider.choices)

    def __init__(self, data: Any = None, *, audience: Audience | None = None, provider: str | None = None) -> None:
        self.audience = audience
        chosen = (data or {}).get("provider") or provider or (audience.provider if audience else "list")
        if chosen not in Audience.Provider.values:
            chosen = "list"
        initial = {"name": audience.name if audience else "", "provider": chosen}
        super().__init__(data, initial=initial)
        self.provider_key = chosen
        for setting in provider_class(chosen).fields:
            if setting.secret:
                stored = bool(audience and audience.provider == chosen and audience.secrets.get(setting.name))
                self.fields[setting.name] = forms.CharField(
                    label=setting.label,
                    required=setting.required and not stored,
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                    help_text=_("Stored. Leave empty to keep it.") if stored else setting.help,
                )
            else:
                value = (
                    audience.config.get(setting.name) if audience and audience.provider == chosen else setting.default
                )
                self.fields[setting.name] = forms.CharField(
                    label=setting.label, required=setting.required, initial=value, help_text=setting.help
                )

    def service_arguments(self) -> dict[str, Any]:
        cls = provider_class(self.provider_key)
        return {
            "name": self.cleaned_data["name"],
            "provider": self.provider_key,
            "config": {
                f.name: self.cleaned_data.get(f.name)
                for f in cls.fields
                if not f.secret and self.cleaned_data.get(f.name)
            },
            "secrets": {
                f.name: self.cleaned_data.get(f.name) for f in cls.fields if f.secret and self.cleaned_data.get(f.name)
            },
        }

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            field = key.split(".", 1)[-1]
            self.add_error(field if field in self.fields else None, messages)


class StageForm(forms.ModelForm[LifecycleStage]):
    class Meta:
        model = LifecycleStage
        fields = ["name", "key", "kind", "description"]
        help_texts = {"key": _("Lower-case letters, digits and underscores; used by the API. Cannot change later.")}

    def save(self, commit: bool = True) -> LifecycleStage:
        stage: LifecycleStage = super().save(commit=False)
        last = LifecycleStage.objects.filter(kind=stage.kind).order_by("-position").first()
        stage.position = (last.position + 1) if last else 1
        if commit:
            stage.save()
        return stage

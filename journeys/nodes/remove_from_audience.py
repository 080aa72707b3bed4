from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from journeys.nodes.add_to_audience import AddToAudience


class RemoveFromAudience(AddToAudience):
    kind = "remove_from_audience"
    label = _("Remove from audience")
    description = _("Removes the contact from a retargeting audience.")
    icon = "user-minus"

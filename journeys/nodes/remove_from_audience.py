from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from journeys.nodes.add_to_audience import AddToAudience, audience_step
from journeys.nodes.base import Outcome

if TYPE_CHECKING:
    from journeys.executor import StepBatch


class RemoveFromAudience(AddToAudience):
    kind = "remove_from_audience"
    label = _("Remove from audience")
    description = _("Removes the contact from a retargeting audience.")
    icon = "user-minus"

    @classmethod
    def execute(cls, batch: StepBatch) -> Sequence[Outcome]:
        return audience_step(batch, add=False)

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TabletConfig(AppConfig):
    """The technician's tablet: queue, ticket work, QR scan and the offline queue (a PWA scoped to /tablet/).

    It reads maintenance, assets and netmon and writes only through maintenance.services;
    no other app imports it.
    """

    name = "tablet"
    verbose_name = _("Technician's tablet")

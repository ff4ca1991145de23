from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetmonConfig(AppConfig):
    name = "netmon"
    verbose_name = _("Network monitoring")

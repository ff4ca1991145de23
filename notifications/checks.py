"""Start-up checks of the notification settings that settings.py cannot make by itself
(it cannot import the SMS backend's class)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register()
def notification_settings(app_configs, **kwargs):
    problems = []
    try:
        backend = import_string(settings.NOTIFY_SMS_BACKEND)
    except ImportError as exc:
        problems.append(
            Error(
                f"NOTIFY_SMS_BACKEND={settings.NOTIFY_SMS_BACKEND!r} cannot be imported: {exc}", id="notifications.E001"
            )
        )
    else:
        from notifications.backends import HttpGatewaySmsBackend

        if issubclass(backend, HttpGatewaySmsBackend) and not settings.NOTIFY_SMS_URL:
            problems.append(Error("the HTTP SMS gateway needs NOTIFY_SMS_URL", id="notifications.E002"))
    slowest = max(settings.NOTIFY_SMS_TIMEOUT, settings.EMAIL_TIMEOUT or 0)
    if settings.NOTIFY_LEASE_SECONDS <= 2 * slowest:
        problems.append(
            Warning(
                f"NOTIFY_LEASE_SECONDS={settings.NOTIFY_LEASE_SECONDS} is not well above the send timeouts "
                f"({slowest} s): a slow send could be taken for a dead sender and repeated",
                id="notifications.W001",
            )
        )
    return problems

"""Writes to the monitoring configuration: targets, SNMP credentials, maintenance windows.

The pages and the API call these; the poller's own writes (runtime columns, checks,
outages) are in `netmon.services`. Every save validates (`full_clean`) and is
change-logged under the request's user (the middleware's change context, or `user`
when called from elsewhere).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils.translation import gettext as _

from core.changelog import change_context, current_context
from netmon.choices import SnmpVersion
from netmon.models import MaintenanceWindow, SnmpCredential, Target

#: Configuration that changes what or how the poller probes: a change is polled at once.
PROBE_FIELDS = (
    "address",
    "enabled",
    "interval_s",
    "timeout_s",
    "retries",
    "icmp_enabled",
    "snmp_enabled",
    "credential",
    "snmp_port",
    "interfaces",
)
#: The secrets each SNMP version uses; the others are cleared when the version changes.
SECRETS_OF = {SnmpVersion.V2C: ("community",), SnmpVersion.V3: ("auth_key", "priv_key")}


@contextlib.contextmanager
def _acting_as(user) -> Iterator[None]:
    """Log changes under `user` when no request (middleware) has said who is acting."""
    if current_context().user is None and user is not None:
        with change_context(user=user):
            yield
    else:
        yield


# --------------------------------------------------------------------------- targets


@transaction.atomic
def target_save(target: Target, *, user=None) -> Target:
    """Create or update a target's configuration.

    A blank address is taken from the asset's management IP. A new target keeps
    `next_poll_at` empty, so the poller takes it at once; an edit that changes how it is
    probed empties it again (and a new address forgets what discovery found). An edit
    writes the configuration columns only: the runtime ones belong to the poller, which
    may have moved them on since the form was loaded.
    """
    if not target.address and target.asset_id is not None:
        target.address = target.asset.management_ip or ""
        if not target.address:
            raise ValidationError({"address": _("Enter an address: the asset has no management IP to take it from.")})
    target.full_clean()
    with _acting_as(user):
        if target.pk is None:
            target.save()
            return target
        before = Target.objects.select_for_update().filter(pk=target.pk).values(*PROBE_FIELDS).first()
        if before is None:
            raise ValidationError(_("This target was deleted meanwhile."))
        target.save()  # Target.save writes the configuration columns only
    changed = {name for name in PROBE_FIELDS if before[name] != getattr(target, Target._meta.get_field(name).attname)}
    if changed:
        runtime: dict[str, object] = {"next_poll_at": None}
        if "address" in changed:
            runtime.update({"discovered_at": None, "sys_name": "", "sys_descr": "", "sys_object_id": ""})
        Target.objects.filter(pk=target.pk).update(**runtime)
        for key, value in runtime.items():
            setattr(target, key, value)
    return target


@transaction.atomic
def target_delete(target: Target) -> None:
    config_delete(target)


# --------------------------------------------------------------------------- SNMP credentials


@transaction.atomic
def credential_save(
    credential: SnmpCredential, *, user=None, secrets: Mapping[str, str | None] | None = None
) -> SnmpCredential:
    """Create or update a credential. `secrets` maps "community", "auth_key", "priv_key" to the
    new plain text: a given one is encrypted, a blank or missing one keeps what is stored.
    Secrets the chosen version does not use are dropped, so none lingers unseen."""
    unknown = set(secrets or {}) - set(SnmpCredential.SECRET_FIELDS)
    if unknown:
        raise ValueError(f"unknown secret fields: {sorted(unknown)}")
    for field, plain in (secrets or {}).items():
        if plain:
            credential.set_secret(field, plain)
    used = SECRETS_OF.get(credential.version, ())
    for field in SnmpCredential.SECRET_FIELDS:
        if field not in used:
            credential.set_secret(field, "")
    credential.full_clean()
    with _acting_as(user):
        credential.save()
    return credential


@transaction.atomic
def credential_delete(credential: SnmpCredential) -> None:
    config_delete(credential)


# --------------------------------------------------------------------------- maintenance windows


@transaction.atomic
def window_save(window: MaintenanceWindow, *, user=None) -> MaintenanceWindow:
    """Create or update a maintenance window; a window for a target and a school needs the target
    to be at that school."""
    if window.start is not None and window.end is not None and window.end <= window.start:
        # The database's constraint says the same, but for the whole row: name the field.
        raise ValidationError({"end": _("A maintenance window must end after it starts.")})
    if window.target_id is not None and window.school_id is not None:
        if window.target.asset.school_id != window.school_id:
            raise ValidationError({"target": _("The target is not at the chosen school.")})
    window.full_clean()
    with _acting_as(user):
        window.save()
    return window


@transaction.atomic
def window_delete(window: MaintenanceWindow) -> None:
    config_delete(window)


# --------------------------------------------------------------------------- shared


def config_delete(obj: Model) -> None:
    """Delete, or say what still uses the object (a credential used by targets)."""
    try:
        obj.delete()
    except ProtectedError as exc:
        used_by = sorted({str(o) for o in exc.protected_objects})
        shown = ", ".join(used_by[:5]) + ("…" if len(used_by) > 5 else "")
        raise ValidationError(
            _("“%(obj)s” cannot be deleted: it is still used by %(used)s.") % {"obj": obj, "used": shown}
        ) from None

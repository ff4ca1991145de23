"""Writes to the inventory. Views, the API, imports and commands all come through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.choices import AssetStatus
from assets.models import Asset
from core.models import JournalKind
from core.services import journal_entry_create


def check_status_transition(old: str, new: str) -> None:
    if old == new:
        return
    allowed_next = AssetStatus.allowed_next(old)
    if new not in allowed_next:
        allowed = ", ".join(AssetStatus.label(s) for s in AssetStatus.values() if s in allowed_next)
        raise ValidationError(
            {
                "status": _("An asset cannot go from “%(old)s” to “%(new)s”. Allowed: %(allowed)s.")
                % {"old": AssetStatus.label(old), "new": AssetStatus.label(new), "allowed": allowed or "—"}
            }
        )


@transaction.atomic
def inventory_save(obj: Model, *, m2m: dict[str, Iterable] | None = None) -> Model:
    """Validate and save any inventory object other than an asset (assets go through asset_save)."""
    if isinstance(obj, Asset):
        raise TypeError("assets are saved with asset_save(), which enforces the lifecycle")
    obj.full_clean()
    obj.save()
    for field, values in (m2m or {}).items():
        getattr(obj, field).set(values)
    return obj


@transaction.atomic
def asset_save(asset: Asset, *, user=None, tags: Iterable | None = None, reason: str = "") -> Asset:
    """Create or update an asset; a status change must follow the lifecycle."""
    previous_status = None
    if asset.pk is not None:
        previous_status = Asset.objects.select_for_update().filter(pk=asset.pk).values_list("status", flat=True).first()
    if previous_status is not None:
        check_status_transition(previous_status, asset.status)
        if previous_status != asset.status:
            asset.disposed_on = timezone.localdate() if asset.status == AssetStatus.DISPOSED else None
    elif asset.status == AssetStatus.DISPOSED and asset.disposed_on is None:
        asset.disposed_on = timezone.localdate()
    asset.full_clean()
    asset.save()
    if tags is not None:
        asset.tags.set(tags)
    if previous_status is not None and previous_status != asset.status and reason:
        journal_entry_create(
            obj=asset,
            user=user,
            kind=JournalKind.INFO,
            comments=_("Status changed from “%(old)s” to “%(new)s”: %(reason)s")
            % {"old": AssetStatus.label(previous_status), "new": AssetStatus.label(asset.status), "reason": reason},
        )
    return asset


def asset_change_status(asset: Asset, *, status: str, user=None, reason: str = "") -> Asset:
    asset.status = status
    return asset_save(asset, user=user, reason=reason)


@transaction.atomic
def inventory_delete(obj: Model) -> None:
    try:
        obj.delete()
    except ProtectedError as exc:
        used_by = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
        raise ValidationError(
            _("“%(obj)s” cannot be deleted: it is still used by %(used)s.") % {"obj": obj, "used": ", ".join(used_by)}
        ) from None

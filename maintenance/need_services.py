"""Writes of needs, projects, what projects provided, and the standard allocation of labs."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from maintenance.models import Need, NeedProvision, Project, StandardAllocation


@transaction.atomic
def project_save(*, project: Project, by=None) -> Project:
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def need_save(*, need: Need, by=None) -> Need:
    """Record or correct a need. Its source visit or ticket must be of the same school, and a
    quantity cannot drop below what was already provided."""
    errors = {}
    if need.source_visit_id and need.source_visit.school_id != need.school_id:
        errors["source_visit"] = _("The visit was to another school.")
    if need.source_ticket_id and need.source_ticket.school_id != need.school_id:
        errors["source_ticket"] = _("The ticket is another school's.")
    if need.pk is not None:
        provided = need.provisions.aggregate(total=Sum("quantity"))["total"] or 0
        if need.quantity is not None and need.quantity < provided:
            errors["quantity"] = _("%(provided)d were already provided: the need cannot be smaller.") % {
                "provided": provided
            }
    if errors:
        raise ValidationError(errors)
    if need.pk is None and need.identified_by_id is None and by is not None:
        need.identified_by = by
    need.full_clean()
    need.save()
    return need


@transaction.atomic
def need_provide(
    *, need: Need, project: Project, quantity: int, provided_on: dt.date | None = None, notes: str = "", by=None
) -> NeedProvision:
    """Record that `project` provided `quantity` of a need; never more than what is still needed."""
    need = Need.objects.select_for_update().select_related("school").get(pk=need.pk)
    provided_on = provided_on or timezone.localdate()
    errors = {}
    if project.directorate_id != need.school.directorate_id:
        errors["project"] = _("The project is another directorate's.")
    provided = need.provisions.aggregate(total=Sum("quantity"))["total"] or 0
    if quantity is None or quantity < 1:
        errors["quantity"] = _("The quantity must be at least 1.")
    elif provided + quantity > need.quantity:
        errors["quantity"] = _("Only %(left)d of this need remain to be provided.") % {"left": need.quantity - provided}
    if provided_on > timezone.localdate():
        errors["provided_on"] = _("A provision cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    row = NeedProvision(need=need, project=project, quantity=quantity, provided_on=provided_on, notes=notes.strip())
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def need_delete(*, need: Need, by=None) -> None:
    if need.provisions.exists():
        raise ValidationError(_("Part of this need was provided: it stays on the record."))
    need.delete()


@transaction.atomic
def standard_save(*, standard: StandardAllocation, by=None) -> StandardAllocation:
    standard.full_clean()
    standard.save()
    return standard


@transaction.atomic
def standard_delete(*, standard: StandardAllocation, by=None) -> None:
    standard.delete()

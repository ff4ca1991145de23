"""Writes of disposal by committee (إتلاف; QP-70-2, 5.2 item 5).

The path of one asset:

1. A technical report recommends disposal (`maintenance.services.report_save` calls
   `disposal_from_report`), or the IT head puts the asset forward (`disposal_recommend`): a
   pending `DisposalItem` remembers the asset's status, and the asset moves to "awaiting
   disposal". Rewriting the report without the recommendation withdraws the items it made
   (while no list holds them) and the assets go back.
2. The IT head assembles a `DisposalList` from pending items (and from assets someone set to
   "awaiting disposal" by hand), then sends it to the committee: the list is frozen.
3. The committee's decision is recorded — number, date, members, and every item approved or
   refused. Approved assets become "disposed" on the decision date; refused ones go back to
   the status they had when that is a move the asset lifecycle allows from "awaiting
   disposal" (in service, spare, surplus), else into service (a device that was in repair
   when it was put forward and that the committee keeps is back in use).

Every status change goes through assets.services.asset_change_status, i.e. the lifecycle of
AssetStatus.allowed_next; nothing here writes Asset.status itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assets import services as asset_services
from assets.choices import AssetStatus
from assets.models import Asset, Directorate
from maintenance.choices import ActionType, DisposalDecision, DisposalListStatus, Recommendation
from maintenance.models import DisposalItem, DisposalList, TechnicalReport

PENDING = DisposalDecision.PENDING


def refusal_status(previous: str) -> str:
    """Where a refused asset goes: back to `previous` when the lifecycle allows it, else into service."""
    allowed = AssetStatus.allowed_next(AssetStatus.AWAITING_DISPOSAL) - {AssetStatus.DISPOSED}
    return previous if previous in allowed else AssetStatus.IN_SERVICE


def _move(asset: Asset, status: str, *, by, reason: str) -> Asset:
    """Change the asset's status through the inventory's service (the lifecycle decides)."""
    fresh = Asset.objects.select_related("asset_model").get(pk=asset.pk)
    if fresh.status == status:
        return fresh
    try:
        return asset_services.asset_change_status(fresh, status=status, user=by, reason=reason)
    except ValidationError as exc:
        raise ValidationError(
            {"asset": _("%(asset)s: %(error)s") % {"asset": fresh, "error": " ".join(exc.messages)}}
        ) from None


@transaction.atomic
def disposal_recommend(
    *, asset: Asset, by, reason: str, report: TechnicalReport | None = None, at: dt.datetime | None = None
) -> DisposalItem:
    """Put an asset forward for disposal: a pending item, and the asset awaits disposal.

    An asset already pending keeps its item (the report is linked to it when it had none).
    """
    at = at or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the asset should be disposed of.")})
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    existing = DisposalItem.objects.filter(asset=asset, decision=PENDING).first()
    if existing is not None:
        if report is not None and existing.report_id is None:
            existing.report = report
            existing.save(update_fields=["report", "last_updated"])
        return existing
    if asset.status == AssetStatus.DISPOSED:
        raise ValidationError({"asset": _("%(asset)s is already disposed of.") % {"asset": asset}})
    previous = "" if asset.status == AssetStatus.AWAITING_DISPOSAL else asset.status
    item = DisposalItem(
        asset=asset, previous_status=previous, reason=reason, report=report, recommended_by=by, recommended_at=at
    )
    item.full_clean(validate_constraints=False)
    _move(asset, AssetStatus.AWAITING_DISPOSAL, by=by, reason=reason)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:  # a concurrent recommendation of the same asset won: use its item
        return DisposalItem.objects.get(asset=asset, decision=PENDING)
    return item


def report_disposal_assets(report: TechnicalReport) -> list[Asset]:
    """The assets a disposal recommendation is about: those the technician named in a current
    "recommend disposal" corrective action of the ticket, else every asset of the ticket."""
    from maintenance.selectors import ticket_actions

    named = [
        a.asset for a in ticket_actions(report.ticket) if a.action_type == ActionType.RECOMMEND_DISPOSAL and a.asset
    ]
    if named:
        return list({a.pk: a for a in named}.values())
    return list(report.ticket.assets.order_by("asset_tag"))


def disposal_from_report(*, report: TechnicalReport, by, at: dt.datetime | None = None) -> list[DisposalItem]:
    """Keep the disposal items of a technical report in step with its recommendation (called by
    maintenance.services.report_save, inside its transaction).

    Recommending disposal puts the report's assets forward (already disposed ones are left
    alone); a report that no longer recommends it withdraws the pending items it made that no
    list holds yet, and their assets go back.
    """
    if report.recommendation == Recommendation.RECOMMEND_DISPOSAL:
        reason = report.recommendation_notes.strip() or report.diagnosis.strip()
        return [
            disposal_recommend(asset=asset, by=by, reason=reason, report=report, at=at)
            for asset in report_disposal_assets(report)
            if asset.status != AssetStatus.DISPOSED
        ]
    for item in DisposalItem.objects.filter(report=report, decision=PENDING, disposal_list__isnull=True):
        disposal_withdraw(item=item, by=by, reason=_("The technical report no longer recommends disposal."))
    return []


@transaction.atomic
def disposal_withdraw(*, item: DisposalItem, by, reason: str = "") -> DisposalItem:
    """Take a pending item back before the committee sees it: the asset returns to where it was."""
    item = DisposalItem.objects.select_for_update(of=("self",)).select_related("disposal_list").get(pk=item.pk)
    if item.decision != PENDING:
        raise ValidationError(_("Only an item awaiting the committee can be withdrawn."))
    if item.disposal_list_id and item.disposal_list.status != DisposalListStatus.DRAFT:
        raise ValidationError(_("The list is with the committee: the item waits for its decision."))
    status = refusal_status(item.previous_status)
    _move(item.asset, status, by=by, reason=reason or _("Withdrawn from disposal."))
    item.decision = DisposalDecision.WITHDRAWN
    item.returned_status = status
    item.disposal_list = None
    item.decision_note = (reason or "")[:300]
    item.save()
    return item


# --------------------------------------------------------------------------- the list


def _draft(disposal_list: DisposalList) -> DisposalList:
    fresh = DisposalList.objects.select_for_update().get(pk=disposal_list.pk)
    if fresh.status != DisposalListStatus.DRAFT:
        raise ValidationError(_("The list was sent to the committee: it can no longer change."))
    return fresh


@transaction.atomic
def disposal_list_create(
    *, directorate: Directorate, title: str, by, items: Iterable[DisposalItem] = (), assets: Iterable[Asset] = ()
) -> DisposalList:
    disposal_list = DisposalList(directorate=directorate, title=(title or "").strip(), prepared_by=by)
    disposal_list.full_clean()
    disposal_list.save()
    if items or assets:
        disposal_list_add(disposal_list=disposal_list, by=by, items=items, assets=assets)
    return disposal_list


@transaction.atomic
def disposal_list_update(*, disposal_list: DisposalList, by, title: str) -> DisposalList:
    fresh = _draft(disposal_list)
    fresh.title = (title or "").strip()
    fresh.full_clean()
    fresh.save()
    return fresh


@transaction.atomic
def disposal_list_add(
    *, disposal_list: DisposalList, by, items: Iterable[DisposalItem] = (), assets: Iterable[Asset] = ()
) -> list[DisposalItem]:
    """Put pending items on a draft list. `assets` awaiting disposal without an item (set so by
    hand on the asset's page) get one on the way."""
    fresh = _draft(disposal_list)
    wanted = list(items)
    for asset in assets:
        current = Asset.objects.get(pk=asset.pk)
        if current.status != AssetStatus.AWAITING_DISPOSAL:
            raise ValidationError({"assets": _("%(asset)s is not awaiting disposal.") % {"asset": current}})
        wanted.append(disposal_recommend(asset=current, by=by, reason=_("Put forward by the head of department.")))
    added = []
    for item in wanted:
        row = DisposalItem.objects.select_for_update().select_related("asset__school").get(pk=item.pk)
        if row.decision != PENDING:
            raise ValidationError({"items": _("%(asset)s is not awaiting disposal.") % {"asset": row.asset}})
        if row.disposal_list_id not in (None, fresh.pk):
            raise ValidationError(
                {
                    "items": _("%(asset)s is already on list “%(list)s”.")
                    % {"asset": row.asset, "list": row.disposal_list}
                }
            )
        row.disposal_list = fresh
        row.full_clean(validate_constraints=False)
        row.save(update_fields=["disposal_list", "last_updated"])
        added.append(row)
    return added


@transaction.atomic
def disposal_list_remove(*, disposal_list: DisposalList, item: DisposalItem, by) -> DisposalItem:
    """Take an item off a draft list: it stays pending, for another list."""
    fresh = _draft(disposal_list)
    row = DisposalItem.objects.select_for_update().get(pk=item.pk, disposal_list=fresh)
    row.disposal_list = None
    row.save(update_fields=["disposal_list", "last_updated"])
    return row


@transaction.atomic
def disposal_list_submit(*, disposal_list: DisposalList, by, at: dt.datetime | None = None) -> DisposalList:
    """Send the list to the committee: from now on it does not change until the decision."""
    fresh = _draft(disposal_list)
    if not fresh.items.exists():
        raise ValidationError(_("Put at least one item on the list first."))
    fresh.status = DisposalListStatus.SUBMITTED
    fresh.submitted_at = at or timezone.now()
    fresh.full_clean()
    fresh.save()
    return fresh


@transaction.atomic
def disposal_decision_record(
    *,
    disposal_list: DisposalList,
    by,
    decision_number: str,
    decision_date: dt.date,
    members: Iterable[str],
    approved: Iterable[int],
    refused: Mapping[int, str] | Iterable[int] = (),
    notes: str = "",
    at: dt.datetime | None = None,
) -> DisposalList:
    """Record the committee's decision on a submitted list.

    Every item is decided: `approved` (item ids) are disposed of on `decision_date`; `refused`
    (item ids, or {id: the committee's note}) go back (see `refusal_status`).
    """
    at = at or timezone.now()
    fresh = DisposalList.objects.select_for_update().get(pk=disposal_list.pk)
    if fresh.status != DisposalListStatus.SUBMITTED:
        raise ValidationError(_("Send the list to the committee before recording its decision."))
    members = [m.strip() for m in members if m and m.strip()]
    errors = {}
    if not (decision_number or "").strip():
        errors["decision_number"] = _("Enter the decision's number.")
    if decision_date is None:
        errors["decision_date"] = _("Enter the decision's date.")
    elif decision_date > timezone.localdate(at):
        errors["decision_date"] = _("The decision cannot be dated in the future.")
    elif fresh.submitted_at and decision_date < timezone.localdate(fresh.submitted_at):
        errors["decision_date"] = _("The decision cannot be dated before the list went to the committee (%(day)s).") % {
            "day": timezone.localdate(fresh.submitted_at).isoformat()
        }
    if not members:
        errors["committee_members"] = _("Name the committee's members.")
    notes_by_item = dict(refused) if isinstance(refused, Mapping) else {pk: "" for pk in refused}
    approved_ids = set(approved)
    items = {i.pk: i for i in fresh.items.select_for_update().select_related("asset")}
    both = approved_ids & set(notes_by_item)
    undecided = set(items) - approved_ids - set(notes_by_item)
    foreign = (approved_ids | set(notes_by_item)) - set(items)
    if both:
        errors["items"] = _("An item is either approved or refused, not both.")
    elif undecided:
        errors["items"] = _("Decide every item: %(assets)s.") % {
            "assets": ", ".join(str(items[pk].asset) for pk in sorted(undecided))
        }
    elif foreign:
        errors["items"] = _("Item(s) %(ids)s are not on this list.") % {"ids": sorted(foreign)}
    if errors:
        raise ValidationError(errors)
    fresh.decision_number = decision_number.strip()
    fresh.decision_date = decision_date
    fresh.committee_members = "\n".join(members)
    fresh.decision_notes = (notes or "").strip()
    fresh.decided_by, fresh.decided_at = by, at
    fresh.status = DisposalListStatus.DECIDED
    fresh.full_clean()
    fresh.save()
    why = _("Committee decision %(number)s of %(date)s") % {
        "number": fresh.decision_number,
        "date": decision_date.isoformat(),
    }
    for pk, item in sorted(items.items()):
        if pk in approved_ids:
            asset = _move(item.asset, AssetStatus.DISPOSED, by=by, reason=why)
            if asset.disposed_on != decision_date:  # disposed on the committee's date, not today's
                asset.disposed_on = decision_date
                asset_services.asset_save(asset, user=by)
            item.decision = DisposalDecision.APPROVED
        else:
            status = refusal_status(item.previous_status)
            _move(item.asset, status, by=by, reason=why)
            item.decision = DisposalDecision.REFUSED
            item.returned_status = status
            item.decision_note = (notes_by_item.get(pk) or "").strip()[:300]
        item.decided_on = decision_date
        item.save()
    return fresh

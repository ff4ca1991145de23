"""Reads of the field work: visits, programmes, plans, disposal. List selectors return unscoped
querysets; the views and the API pass them through core.roles.scope_queryset."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from assets.choices import AssetStatus
from assets.models import Asset
from maintenance.choices import DisposalDecision, VisitStatus
from maintenance.models import (
    DisposalItem,
    DisposalList,
    MaintenancePlan,
    Visit,
    VisitCheck,
    VisitFinding,
    VisitProgramme,
)


def visit_list() -> QuerySet[Visit]:
    return Visit.objects.select_related("school", "location", "fiber_site", "technician", "programme", "plan").annotate(
        finding_count=Count("findings", distinct=True)
    )


def visit_detail() -> QuerySet[Visit]:
    findings = VisitFinding.objects.select_related("location", "asset__asset_model", "ticket").order_by("pk")
    return Visit.objects.select_related(
        "school__directorate",
        "location",
        "fiber_site__directorate",
        "technician",
        "reported_by",
        "programme",
        "plan",
    ).prefetch_related(
        Prefetch("checks", queryset=VisitCheck.objects.order_by("position", "pk")),
        Prefetch("findings", queryset=findings),
    )


def my_visits(user) -> QuerySet[Visit]:
    """The technician's planned visits, soonest first (the tablet's list)."""
    return (
        visit_list().filter(technician=user, status=VisitStatus.PLANNED).order_by("planned_date", "school__code", "pk")
    )


def programme_list() -> QuerySet[VisitProgramme]:
    return VisitProgramme.objects.select_related("directorate").annotate(
        visit_count=Count("visits", distinct=True),
        done_count=Count("visits", filter=Q(visits__status=VisitStatus.DONE), distinct=True),
    )


def programme_visits(programme: VisitProgramme) -> QuerySet[Visit]:
    return visit_list().filter(programme=programme).order_by("planned_date", "school__code", "pk")


def plan_list() -> QuerySet[MaintenancePlan]:
    return MaintenancePlan.objects.select_related("directorate", "technician").annotate(
        visit_count=Count("visits", distinct=True)
    )


# --------------------------------------------------------------------------- disposal


def disposal_items() -> QuerySet[DisposalItem]:
    return DisposalItem.objects.select_related(
        "asset__school", "asset__asset_model__manufacturer", "asset__location", "report__ticket", "disposal_list"
    )


def disposal_candidates(directorate_id: int | None = None) -> QuerySet[DisposalItem]:
    """Items awaiting the committee that no list holds yet."""
    qs = disposal_items().filter(decision=DisposalDecision.PENDING, disposal_list__isnull=True)
    if directorate_id is not None:
        qs = qs.filter(asset__school__directorate_id=directorate_id)
    return qs


def awaiting_without_item(directorate_id: int | None = None) -> QuerySet[Asset]:
    """Assets someone set to "awaiting disposal" by hand: no pending item names them yet."""
    qs = Asset.objects.filter(status=AssetStatus.AWAITING_DISPOSAL).exclude(
        disposal_items__decision=DisposalDecision.PENDING
    )
    if directorate_id is not None:
        qs = qs.filter(school__directorate_id=directorate_id)
    return qs.select_related("school", "asset_model__manufacturer", "location")


def disposal_list_list() -> QuerySet[DisposalList]:
    return DisposalList.objects.select_related("directorate", "prepared_by").annotate(
        item_count=Count("items", distinct=True),
        approved_count=Count("items", filter=Q(items__decision=DisposalDecision.APPROVED), distinct=True),
        refused_count=Count("items", filter=Q(items__decision=DisposalDecision.REFUSED), distinct=True),
    )


def disposal_list_items(disposal_list: DisposalList) -> QuerySet[DisposalItem]:
    return disposal_items().filter(disposal_list=disposal_list).order_by("asset__school__code", "asset__asset_tag")

"""Reads of needs and projects, and the surplus / shortage list (QF70-2-12).

The surplus / shortage list compares, lab by lab, what a location holds with the standard
allocation of its kind (`StandardAllocation`): held − standard > 0 is a surplus, < 0 a shortage.
"Held" counts the assets of the category in that location that are in service or in repair
(a device away for repair still has its place in the lab); spare, surplus, awaiting-disposal
and disposed ones are not part of the lab's equipment. Only the lab types and item types that
have a standard are compared: a lab type with no standard is not listed, and an item type the
standard does not name is not counted — the IT head adds a standard (quantity 0 marks an item
that should not be there) to compare it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from assets.choices import AssetCategory, AssetStatus, LocationKind
from assets.models import Asset, Location, School
from maintenance.choices import NeedStatus, ProjectStatus
from maintenance.models import Need, NeedProvision, Project, StandardAllocation

#: The statuses of the assets a lab holds (see the module's note).
HELD = (AssetStatus.IN_SERVICE, AssetStatus.IN_REPAIR)


def need_list() -> QuerySet[Need]:
    """Needs with `provided` (the quantity provided so far), newest first."""
    provided = (
        NeedProvision.objects.filter(need=OuterRef("pk")).values("need").annotate(total=Sum("quantity")).values("total")
    )
    return Need.objects.select_related("school", "source_visit", "source_ticket", "identified_by").annotate(
        provided=Coalesce(Subquery(provided, output_field=IntegerField()), Value(0))
    )


def need_status(need: Need) -> str:
    provided = getattr(need, "provided", None)
    if provided is None:
        provided = need.provisions.aggregate(total=Sum("quantity"))["total"] or 0
    if provided <= 0:
        return NeedStatus.OPEN
    return NeedStatus.PROVIDED if provided >= need.quantity else NeedStatus.PARTLY


def provision_list() -> QuerySet[NeedProvision]:
    return NeedProvision.objects.select_related("need__school", "project")


def project_list() -> QuerySet[Project]:
    """Projects with `provided` (items provided to needs) and `needs` (how many needs they served)."""
    return Project.objects.select_related("directorate").annotate(
        provided=Coalesce(Sum("provisions__quantity"), Value(0)), needs=Count("provisions__need", distinct=True)
    )


def executed_projects() -> QuerySet[Project]:
    return project_list().filter(status=ProjectStatus.EXECUTED).order_by("-completed_on", "pk")


# --------------------------------------------------------------------------- surplus / shortage (QF70-2-12)


@dataclass
class AllocationRow:
    category: str
    standard: int
    held: int

    @property
    def label(self) -> str:
        return AssetCategory.label(self.category)

    @property
    def difference(self) -> int:
        return self.held - self.standard

    @property
    def surplus(self) -> int:
        return max(self.difference, 0)

    @property
    def shortage(self) -> int:
        return max(-self.difference, 0)


@dataclass
class CategoryTotal:
    category: str
    standard: int = 0
    held: int = 0
    surplus: int = 0
    shortage: int = 0

    @property
    def label(self) -> str:
        return AssetCategory.label(self.category)


@dataclass
class LabAllocation:
    location: Location
    rows: list[AllocationRow]

    @property
    def kind_label(self) -> str:
        return LocationKind.label(self.location.kind)

    @property
    def surplus(self) -> int:
        return sum(r.surplus for r in self.rows)

    @property
    def shortage(self) -> int:
        return sum(r.shortage for r in self.rows)


@dataclass
class SchoolAllocation:
    school: School
    labs: list[LabAllocation] = field(default_factory=list)

    @property
    def totals(self) -> list[CategoryTotal]:
        """Per item type over the school's compared labs: the standards and holdings added up, and the
        labs' surpluses and shortages added up (a surplus in one lab does not cancel another's shortage:
        moving devices between labs is a decision the list leaves to the reader)."""
        by_category: dict[str, CategoryTotal] = {}
        for lab in self.labs:
            for row in lab.rows:
                total = by_category.setdefault(row.category, CategoryTotal(row.category))
                total.standard += row.standard
                total.held += row.held
                total.surplus += row.surplus
                total.shortage += row.shortage
        order = AssetCategory.values()
        return sorted(by_category.values(), key=lambda r: order.index(r.category))

    @property
    def surplus(self) -> int:
        return sum(lab.surplus for lab in self.labs)

    @property
    def shortage(self) -> int:
        return sum(lab.shortage for lab in self.labs)


def standards() -> dict[str, dict[str, int]]:
    """{lab type: {item type: standard quantity}}."""
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for row in StandardAllocation.objects.all():
        table[row.location_kind][row.category] = row.quantity
    return dict(table)


def surplus_shortage(schools: Iterable[School]) -> list[SchoolAllocation]:
    """QF70-2-12 for each school: every lab whose type has a standard, item type by item type.

    Three queries whatever the number of schools: the standards, the labs, the counts.
    """
    schools = list(schools)
    table = standards()
    result = {s.pk: SchoolAllocation(s) for s in schools}
    if not table or not schools:
        return list(result.values())
    labs = list(
        Location.objects.filter(school__in=schools, kind__in=list(table)).order_by("school__code", "kind", "name_ar")
    )
    counts: dict[tuple[int, str], int] = {
        (row["location"], row["asset_model__category"]): row["n"]
        for row in Asset.objects.filter(location__in=labs, status__in=HELD)
        .values("location", "asset_model__category")
        .annotate(n=Count("pk"))
    }
    order = AssetCategory.values()
    for lab in labs:
        wanted = table[lab.kind]
        rows = [
            AllocationRow(category, quantity, counts.get((lab.pk, category), 0))
            for category, quantity in sorted(wanted.items(), key=lambda item: order.index(item[0]))
        ]
        result[lab.school_id].labs.append(LabAllocation(lab, rows))
    return list(result.values())

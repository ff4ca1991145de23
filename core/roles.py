"""Roles and what each may do, in one table.

Reads are restricted by querysets (`scope_queryset`), writes by `can()`; the UI and the
API both call these, so hiding a button is never the only protection.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    IT_HEAD = "it_head", _("IT head")
    TECHNICIAN = "technician", _("Technician")
    SCHOOL_STAFF = "school_staff", _("School staff")
    VIEWER = "viewer", _("Viewer")


VIEW, ADD, CHANGE, DELETE, IMPORT = "view", "add", "change", "delete", "import"
ALL = frozenset({VIEW, ADD, CHANGE, DELETE, IMPORT})
RO = frozenset({VIEW})
RW = frozenset({VIEW, ADD, CHANGE})

# "app_label.modelname" -> actions. "*" is the default for models not named.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.IT_HEAD: {"*": ALL},
    Role.TECHNICIAN: {
        "*": RO,
        # The audit trail and API tokens are the IT head's alone (core.AuditEvent, core.ApiToken).
        "core.auditevent": frozenset(),
        "core.apitoken": frozenset(),
        "assets.asset": RW,
        "assets.location": RW,
        "assets.manufacturer": RW,
        "assets.assetmodel": RW,
        "assets.fibersite": frozenset({VIEW, CHANGE}),
        "assets.circuit": frozenset({VIEW, CHANGE}),
        "core.journalentry": frozenset({VIEW, ADD}),
        "core.tag": frozenset({VIEW, ADD}),
        "assets.holiday": RO,
        # Technicians tune what is monitored but do not add or remove targets, and never
        # touch SNMP credentials: they see the names only (the secrets are never shown).
        "netmon.target": frozenset({VIEW, CHANGE}),
        "netmon.maintenancewindow": RW,
        "netmon.snmpcredential": RO,
        "maintenance.ticket": RW,
        # Technicians record corrective actions (append-only: corrections are new rows),
        # write technical reports, attach files and take a requester's answer by phone;
        # the IT head alone manages spare parts, the budget and SLA policies.
        "maintenance.correctiveaction": frozenset({VIEW, ADD}),
        "maintenance.technicalreport": RW,
        "maintenance.ticketattachment": frozenset({VIEW, ADD}),
        "maintenance.ticketfeedback": frozenset({VIEW, ADD}),
        "maintenance.sparepart": RO,
        "maintenance.partbudget": RO,
        "notifications.message": frozenset(),  # the outbox (requesters' numbers and e-mails): IT head only
        # Field work (issue 7): technicians plan ad-hoc visits, file visit reports (QF75-13) with their
        # checks and findings, and record the needs they find; the IT head alone manages the
        # programmes, the maintenance plans, disposal, projects, the standard allocation and retention.
        "maintenance.visit": RW,
        "maintenance.visitcheck": RW,
        "maintenance.visitfinding": RW,
        "maintenance.need": RW,
        "maintenance.retentionexport": frozenset(),
    },
    Role.SCHOOL_STAFF: {
        "*": RO,
        "core.auditevent": frozenset(),
        "core.apitoken": frozenset(),
        "core.journalentry": frozenset({VIEW, ADD}),
        # the directorate's monitoring plumbing is not a school's business
        "netmon.pollerstatus": frozenset(),
        "netmon.snmpcredential": frozenset(),
        "notifications.message": frozenset(),
        # School staff file their school's requests (with photos) and answer resolutions;
        # the directorate's stock and budget are not theirs to see.
        "maintenance.ticket": frozenset({VIEW, ADD}),
        "maintenance.ticketattachment": frozenset({VIEW, ADD}),
        "maintenance.ticketfeedback": frozenset({VIEW, ADD}),
        "maintenance.sparepart": frozenset(),
        "maintenance.partbudget": frozenset(),
        # Field work: school staff read their own school's visits, needs and assets awaiting disposal
        # (scoped); the directorate's disposal lists and the record-keeping are not theirs.
        "maintenance.disposallist": frozenset(),
        "maintenance.retentionpolicy": frozenset(),
        "maintenance.retentionexport": frozenset(),
    },
    Role.VIEWER: {
        "*": RO,
        "notifications.message": frozenset(),
        "maintenance.retentionexport": frozenset(),
        "core.auditevent": frozenset(),
        "core.apitoken": frozenset(),
    },
}


def user_role(user) -> str | None:
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.IT_HEAD
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def model_key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def can(user, action: str, model) -> bool:
    role = user_role(user)
    if role is None:
        return False
    table = PERMISSIONS[role]
    return action in table.get(model_key(model), table["*"])


def _paths_filter(paths: list[str], value) -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{path: value})
    return query


def scope_queryset(queryset: QuerySet, user) -> QuerySet:
    """What `user` may see of `queryset`.

    A model declares `scope = {"school": [paths to a School pk], "directorate": [paths to a
    Directorate pk]}`; a model without `scope` is shared reference data (manufacturers,
    models) that every signed-in role may read. Paths follow forward foreign keys only,
    so the filter never multiplies rows. An optional `"everywhere": [paths]` names the
    rows that belong to no school or directorate (all those paths empty) and so are seen
    by every role.
    """
    role = user_role(user)
    if role is None:
        return queryset.none()
    if user.is_superuser:
        return queryset
    scope = getattr(queryset.model, "scope", None)
    if scope is None:
        return queryset
    profile = user.profile
    everywhere = _everywhere_filter(scope.get("everywhere"))
    if role == Role.SCHOOL_STAFF:
        if profile.school_id is None or not scope.get("school"):
            return queryset.filter(everywhere)
        return queryset.filter(_paths_filter(scope["school"], profile.school_id) | everywhere)
    if profile.directorate_id is not None and scope.get("directorate"):
        paths = scope["directorate"]
        return queryset.filter(_directorate_filter(queryset.model, paths, profile.directorate_id) | everywhere)
    return queryset


def _directorate_filter(model, paths: list[str], directorate_id) -> Q:
    """`_paths_filter(paths, directorate_id)`, with each `a__b__directorate` path (two hops or more) turned into
    `a__b__in=[the pks of b's model in that directorate]`: the same rows, but SQLite, given the directorate as a
    bound parameter, plans `school__directorate = ?` as a scan of the schools and a sort of every ticket (hundreds
    of ms at 100,000 tickets) where a list of school ids is an index lookup (bench/web.py)."""
    query = Q(pk__in=[])
    for path in paths:
        prefix, _sep, last = path.rpartition("__")
        target = _path_model(model, prefix) if prefix else None
        if target is None or last != "directorate":
            query |= Q(**{path: directorate_id})
            continue
        pks = list(target._base_manager.filter(directorate_id=directorate_id).values_list("pk", flat=True))
        query |= Q(**{f"{prefix}__in": pks})
    return query


def _path_model(model, path: str):
    """The model a path of forward foreign keys ends on, else None (a path that is not one)."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # leave the path as it was written
            return None
        if not (field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete):
            return None
        model = field.related_model
    try:
        model._meta.get_field("directorate")
    except FieldDoesNotExist:
        return None
    return model


def _everywhere_filter(paths: list[str] | None) -> Q:
    """Rows that name no school or directorate on any of `paths` apply everywhere (a national
    holiday, a maintenance window for every target): every role sees them."""
    if not paths:
        return Q(pk__in=[])
    return Q(**{f"{path}__isnull": True for path in paths})


# -- the quarterly reports (the reports app has no model of its own) ---------------------------------
#: Who may read the quarterly reports (the /reports/ dashboard, its exports, /api/reports/quarterly/).
#: WHAT each reader sees follows the rules above: every figure is computed from `scope_queryset`
#: rows, so school staff get their own school's figures only (and the IT head of a directorate
#: that directorate's); the parts budget is shown only to roles that may view PartBudget.
#: Technicians read the department's report (it is their work) but not the per-technician
#: table, which is staff evaluation — the head of department's (QP-70-2); viewers see it.
REPORT_READERS = frozenset({Role.IT_HEAD, Role.VIEWER, Role.TECHNICIAN, Role.SCHOOL_STAFF})
REPORT_STAFF_TABLE = frozenset({Role.IT_HEAD, Role.VIEWER})


def can_read_reports(user) -> bool:
    return user_role(user) in REPORT_READERS


def can_see_staff_figures(user) -> bool:
    """May `user` see the quarterly report's per-technician table?"""
    return user_role(user) in REPORT_STAFF_TABLE

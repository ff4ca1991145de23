from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from core.models import JournalEntry, ObjectChange


def changes_for(obj) -> QuerySet[ObjectChange]:
    object_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return ObjectChange.objects.filter(changed_object_type=object_type, changed_object_id=obj.pk).select_related("user")


def journal_for(obj) -> QuerySet[JournalEntry]:
    object_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return JournalEntry.objects.filter(object_type=object_type, object_id=obj.pk).select_related("created_by")


def managed_users(user) -> QuerySet:
    """The accounts `user` may manage (issue and revoke API tokens for, read the audit trail of).

    The same rule as `core.roles.scope_queryset`: a superuser, and an IT head whose profile names no
    directorate, manage everyone; an IT head limited to a directorate manages the accounts whose profile
    names that directorate or one of its schools; never a superuser. Anyone else manages no one.
    """
    from core.roles import Role, user_role

    users = get_user_model().objects.all()
    if user_role(user) != Role.IT_HEAD:
        return users.none()
    if user.is_superuser:
        return users
    directorate_id = user.profile.directorate_id
    users = users.filter(is_superuser=False)
    if directorate_id is None:
        return users
    return users.filter(Q(profile__directorate_id=directorate_id) | Q(profile__school__directorate_id=directorate_id))


def audit_events_for(user, events: QuerySet | None = None) -> QuerySet:
    """The audit events `user` may read.

    A superuser, and an IT head whose profile names no directorate, read the whole trail. An IT head limited to
    a directorate reads the events of the accounts they manage (`managed_users`), and the events that name no
    account, failed sign-ins and lockouts only, whose user name is, ignoring case and spaces, one of those accounts' or
    no account's at all (a guessed name belongs to no directorate: every IT head sees the attempts). Failures
    under another directorate's account names, and events that name no one (a command's), stay out.
    """
    from django.db.models.functions import Lower, Trim

    from core.models import AuditEvent, AuditKind
    from core.roles import Role, user_role

    events = AuditEvent.objects.all() if events is None else events
    if user_role(user) != Role.IT_HEAD:
        return events.none()
    if user.is_superuser or user.profile.directorate_id is None:
        return events
    managed = managed_users(user)
    every_name = get_user_model().objects.annotate(name=Lower("username")).values("name")
    named = events.annotate(name=Lower(Trim("user_name")))
    failures = Q(user_id__isnull=True, kind__in=[AuditKind.LOGIN_FAILED, AuditKind.LOCKOUT]) & ~Q(name="")
    return named.filter(
        Q(user_id__in=managed.values("pk"))
        | (failures & Q(name__in=managed.annotate(name=Lower("username")).values("name")))
        | (failures & ~Q(name__in=every_name))
    )

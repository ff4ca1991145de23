"""Sign-in protection and the audit trail: the client's address, login throttling and lockout,
and `audit()`, which writes one append-only AuditEvent.

Lockout (settings LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_LIMIT_PER_ADDRESS, LOGIN_FAILURE_WINDOW_SECONDS,
LOGIN_LOCKOUT_MINUTES): failed sign-ins are counted in Django's cache (Redis when REDIS_URL is set,
so every web process counts the same tries) per user name and per client address. When either
count reaches its limit within the window, that user name or address is locked for
LOGIN_LOCKOUT_MINUTES: every sign-in through it is refused, even with the right password, with a
message that says so. A successful sign-in clears the user name's count. The web login form and the
API's password endpoint (/api/auth/token/) both call `check_not_locked()`; Django's
`user_login_failed` signal counts the failures.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import signals as model_signals
from django.http import HttpRequest
from django.utils.translation import ngettext

from core.models import AuditEvent, AuditKind

log = logging.getLogger("siyana.security")


# -- the client's address ------------------------------------------------------------------------------
def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the TRUSTED_PROXY_COUNT-th address from the end of
    X-Forwarded-For (each trusted proxy appends the address it got the request from)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# -- the audit trail ------------------------------------------------------------------------------------
def audit(kind: str, *, request: HttpRequest | None = None, user=None, user_name: str = "", **details) -> AuditEvent:
    """Append one AuditEvent. `user` defaults to the request's signed-in user."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not user_name:
        user_name = user.get_username()
    return AuditEvent.objects.create(
        kind=kind,
        user_id=getattr(user, "pk", None),
        user_name=user_name[:150],
        client_address=_valid_ip(client_ip(request)) if request is not None else None,
        details=details,
    )


# -- lockout ---------------------------------------------------------------------------------------------
class LockedOut(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return ngettext(
            "Too many failed sign-ins. Sign-in is locked for %(minutes)d minute; try again later.",
            "Too many failed sign-ins. Sign-in is locked for %(minutes)d minutes; try again later.",
            minutes,
        ) % {"minutes": minutes}

    def validation_error(self) -> ValidationError:
        return ValidationError(self.message, code="locked")


def _digest(value: str) -> str:
    # Cache keys must be short and printable whatever the user typed (Arabic, spaces…).
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _keys(request: HttpRequest | None, username: str) -> list[tuple[str, int]]:
    keys = [(f"login:user:{_digest(username.strip().casefold())}", settings.LOGIN_FAILURE_LIMIT)]
    ip = client_ip(request) if request is not None else ""
    if ip:
        keys.append((f"login:ip:{_digest(ip)}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return keys


def check_not_locked(request: HttpRequest | None, username: str, *, record: bool = True) -> None:
    """Raise LockedOut while the user name or the client's address is locked (and, unless
    `record` is false, put the refused attempt in the audit trail)."""
    now = time.time()
    for key, _limit in _keys(request, username):
        try:
            until = cache.get(key + ":locked")
        except Exception:  # the cache (Redis) is down: sign-in stays open, unlocked (see _cache_down)
            _cache_down("check a sign-in lock")
            return
        if until is not None and until > now:
            if record:
                audit(AuditKind.LOGIN_FAILED, request=request, user_name=username, reason="locked")
            raise LockedOut(int(until - now) + 1)


def record_failure(request: HttpRequest | None, username: str) -> bool:
    """Count one failed sign-in; lock what reached its limit. True when this failure locked something."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    lock_seconds = settings.LOGIN_LOCKOUT_MINUTES * 60
    locked = False
    try:
        for key, limit in _keys(request, username):
            cache.add(key, 0, timeout=window)  # starts the window; a no-op while it runs
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
                count = 1
            if count >= limit:
                cache.set(key + ":locked", time.time() + lock_seconds, timeout=lock_seconds)
                cache.delete(key)
                locked = True
    except Exception:
        _cache_down("count a failed sign-in")
    return locked


def _cache_down(what: str) -> None:
    """The lockout fails open: with the cache (Redis) unreachable, failures are not counted and nothing is
    locked, but sign-in keeps working (the password is still checked); the error is logged each time so
    monitoring sees it. Failing closed would lock every account out while Redis is down."""
    log.error(
        "sign-in lockout: the cache is unreachable, could not %s; sign-in is not rate limited", what, exc_info=True
    )


def clear_failures(username: str = "", *, address: str = "") -> None:
    """Forget the failures and lift the lock of a user name (any case) and/or a client address."""
    keys = []
    if username:
        keys.append(_keys(None, username)[0][0])
    if address:
        keys.append(f"login:ip:{_digest(address)}")
    try:
        cache.delete_many([k for key in keys for k in (key, key + ":locked")])
    except Exception:
        _cache_down("clear failed sign-ins")


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    if not username:
        return
    try:
        check_not_locked(request, username)  # records the refused attempt
    except LockedOut:
        return
    locked = record_failure(request, username)
    audit(AuditKind.LOGIN_FAILED, request=request, user_name=username)
    if locked:
        log.warning("sign-in locked for user name %r or its address after repeated failures", username)
        audit(AuditKind.LOCKOUT, request=request, user_name=username, minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _on_logged_in(sender, request, user, **kwargs):
    clear_failures(user.get_username())
    audit(AuditKind.LOGIN, request=request, user=user)


def _on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit(AuditKind.LOGOUT, request=request, user=user)


# -- role and permission changes ---------------------------------------------------------------------------
_PROFILE_FIELDS = ("role", "school_id", "directorate_id")
_USER_FIELDS = ("is_active", "is_staff", "is_superuser")


def _snapshot(sender, instance, raw=False, fields=(), **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    before = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
    instance._audit_before = before


def _profile_pre_save(sender, instance, **kwargs):
    _snapshot(sender, instance, fields=_PROFILE_FIELDS, **kwargs)


def _user_pre_save(sender, instance, **kwargs):
    _snapshot(sender, instance, fields=_USER_FIELDS, **kwargs)


def _changes(instance, fields, created) -> dict:
    before = getattr(instance, "_audit_before", None) or {}
    after = {name: getattr(instance, name) for name in fields}
    if created or not before:
        return {name: [None, value] for name, value in after.items() if value not in (None, "", False)}
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def _acting_user():
    from core.changelog import current_context

    user = current_context().user
    if hasattr(user, "resolve"):
        user = user.resolve()
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _audit_account_change(kind, fields, instance, user, created) -> None:
    """One audit row for a saved profile or user whose audited fields changed."""
    changes = _changes(instance, fields, created)
    if changes:
        actor = _acting_user()
        audit(
            kind,
            user=actor,
            user_name=actor.get_username() if actor else "",
            subject=user.get_username(),
            subject_id=user.pk,
            changes=changes,
        )


def _profile_post_save(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _audit_account_change(AuditKind.ROLE_CHANGE, _PROFILE_FIELDS, instance, instance.user, created)


def _user_post_save(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _audit_account_change(AuditKind.PERMISSION_CHANGE, _USER_FIELDS, instance, instance, created)


def _user_perms_changed(sender, instance, action, pk_set, model=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    actor = _acting_user()
    audit(
        AuditKind.PERMISSION_CHANGE,
        user=actor,
        user_name=actor.get_username() if actor else "",
        subject=str(instance),
        subject_id=instance.pk,
        relation=model._meta.model_name if model else "",
        action=action.removeprefix("post_"),
        ids=sorted(pk_set or []),
    )


def connect_signals() -> None:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    auth_signals.user_login_failed.connect(_on_login_failed, dispatch_uid="core.security.login_failed")
    auth_signals.user_logged_in.connect(_on_logged_in, dispatch_uid="core.security.logged_in")
    auth_signals.user_logged_out.connect(_on_logged_out, dispatch_uid="core.security.logged_out")
    model_signals.pre_save.connect(_profile_pre_save, sender="assets.Profile", dispatch_uid="core.security.p1")
    model_signals.post_save.connect(_profile_post_save, sender="assets.Profile", dispatch_uid="core.security.p2")
    model_signals.pre_save.connect(_user_pre_save, sender=user_model, dispatch_uid="core.security.u1")
    model_signals.post_save.connect(_user_post_save, sender=user_model, dispatch_uid="core.security.u2")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        model_signals.m2m_changed.connect(_user_perms_changed, sender=through, dispatch_uid=f"core.security.{through}")


class ProfileModelBackend(ModelBackend):
    """Django's ModelBackend, reading the signed-in user with their profile (role, school, directorate) in one
    query: every page and API call asks for the role right after the user."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("profile").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

"""Change logging: every save or delete of a ChangeLoggedModel becomes an ObjectChange row.

The request (user, request id) is held in a context variable set by the middleware or by
`change_context()` for commands and imports. Several saves of one object within one
request are folded into one entry, so a form that saves the row and then its tags
leaves one "update" with the true before and after.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import DecimalField, signals


@dataclass
class ChangeContext:
    user: object | None = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("siyana_change_context", default=None)


@contextlib.contextmanager
def change_context(user=None, request_id: uuid.UUID | None = None):
    token = _current.set(ChangeContext(user=user, request_id=request_id or uuid.uuid4()))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_context() -> ChangeContext:
    return _current.get() or ChangeContext()


def serialize_object(obj) -> dict:
    """The object's fields as plain JSON (foreign keys as ids, many-to-many as id lists)."""
    data = serializers.serialize("python", [obj])[0]["fields"]
    for name in ("created", "last_updated", *getattr(obj, "changelog_exclude", ())):
        data.pop(name, None)
    # An unsaved Decimal("31.96") and the stored 31.960000 are the same value: write both
    # with the field's places, so a save that changed nothing compares equal.
    for model_field in obj._meta.concrete_fields:
        if isinstance(model_field, DecimalField) and data.get(model_field.name) is not None:
            places = Decimal(1).scaleb(-model_field.decimal_places)
            data[model_field.name] = Decimal(data[model_field.name]).quantize(places)
    for key, value in list(data.items()):
        if isinstance(value, list):
            data[key] = sorted(value)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _is_logged(sender) -> bool:
    from core.models import ChangeLoggedModel

    return isinstance(sender, type) and issubclass(sender, ChangeLoggedModel)


def _snapshot_before_save(sender, instance, raw=False, **kwargs):
    if raw or not _is_logged(sender):
        return
    instance._prechange = None
    if instance.pk is not None:
        previous = sender._default_manager.filter(pk=instance.pk).first()
        if previous is not None:
            instance._prechange = serialize_object(previous)


def log_change(instance, action: str, *, prechange: dict | None = None, postchange: dict | None = None) -> None:
    """Record one change; `postchange` may be passed when the caller has already serialised the object."""
    from core.models import ChangeAction, ObjectChange

    ctx = current_context()
    user = ctx.user.resolve() if hasattr(ctx.user, "resolve") else ctx.user
    if user is not None and not user.is_authenticated:
        user = None
    object_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    if action == ChangeAction.DELETE:
        postchange = None
    elif postchange is None:
        postchange = serialize_object(instance)
    existing = (
        ObjectChange.objects.filter(
            request_id=ctx.request_id, changed_object_type=object_type, changed_object_id=instance.pk
        )
        .order_by("-pk")
        .first()
    )
    if existing is not None and action != ChangeAction.DELETE:
        existing.postchange_data = postchange
        existing.object_repr = str(instance)[:200]
        existing.save(update_fields=["postchange_data", "object_repr"])
        return
    ObjectChange.objects.create(
        user=user,
        user_name=user.get_username() if user else "",
        request_id=ctx.request_id,
        action=action,
        changed_object_type=object_type,
        changed_object_id=instance.pk,
        object_repr=str(instance)[:200],
        prechange_data=prechange,
        postchange_data=postchange,
    )


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _is_logged(sender):
        return
    from core.models import ChangeAction

    action = ChangeAction.CREATE if created else ChangeAction.UPDATE
    prechange = getattr(instance, "_prechange", None)
    postchange = serialize_object(instance)
    if action == ChangeAction.UPDATE and prechange == postchange:
        return  # a save that changed nothing is not a change
    log_change(instance, action, prechange=prechange, postchange=postchange)


def _on_m2m(sender, instance, action, reverse=False, **kwargs):
    # Only the forward side (asset.tags.add) is logged: the object whose field changed.
    if reverse or not _is_logged(type(instance)):
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        instance._prechange_m2m = serialize_object(instance)
    elif action in {"post_add", "post_remove", "post_clear"}:
        from core.models import ChangeAction

        prechange = getattr(instance, "_prechange_m2m", None)
        postchange = serialize_object(instance)
        if prechange == postchange:
            return
        log_change(instance, ChangeAction.UPDATE, prechange=prechange, postchange=postchange)


def _before_delete(sender, instance, **kwargs):
    if not _is_logged(sender):
        return
    from core.models import ChangeAction

    log_change(instance, ChangeAction.DELETE, prechange=serialize_object(instance))


def connect_signals() -> None:
    signals.pre_save.connect(_snapshot_before_save, dispatch_uid="core.changelog.pre_save")
    signals.post_save.connect(_after_save, dispatch_uid="core.changelog.post_save")
    signals.m2m_changed.connect(_on_m2m, dispatch_uid="core.changelog.m2m")
    signals.pre_delete.connect(_before_delete, dispatch_uid="core.changelog.pre_delete")

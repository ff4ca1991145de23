from __future__ import annotations

from django.db.models import Model, QuerySet

from notifications.models import Message


def message_list() -> QuerySet[Message]:
    return Message.objects.defer("html", "context")


def messages_for(obj: Model) -> QuerySet[Message]:
    """The notifications filed under `obj` (`enqueue(..., ref=Ref.to(obj))`), newest first."""
    meta = obj._meta
    return Message.objects.filter(ref_model=f"{meta.app_label}.{meta.model_name}", ref_object_id=obj.pk).defer(
        "html", "context"
    )

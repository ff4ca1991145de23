from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from core.models import JournalEntry, ObjectChange


def changes_for(obj) -> QuerySet[ObjectChange]:
    object_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return ObjectChange.objects.filter(changed_object_type=object_type, changed_object_id=obj.pk).select_related(
        "user"
    )


def journal_for(obj) -> QuerySet[JournalEntry]:
    object_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return JournalEntry.objects.filter(object_type=object_type, object_id=obj.pk).select_related("created_by")

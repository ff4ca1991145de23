from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from core.models import JournalEntry, JournalKind


def journal_entry_create(*, obj, user, comments: str, kind: str = JournalKind.INFO) -> JournalEntry:
    entry = JournalEntry(
        object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        created_by=user if user is not None and user.is_authenticated else None,
        kind=kind,
        comments=comments,
    )
    entry.full_clean()
    entry.save()
    return entry

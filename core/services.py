from __future__ import annotations

import hashlib
import secrets

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

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


# -- API tokens ---------------------------------------------------------------------------------------
def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_token(user, name: str, *, expires=None, by=None, request=None) -> str:
    """Make a new API token for `user` and return its key: the only time the key exists in clear.

    Only its SHA-256 hash and its first characters (to tell tokens apart) are stored.
    Send it as `Authorization: Token <key>` (or `Bearer <key>`).
    """
    from core.models import ApiToken, AuditKind
    from core.security import audit

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name (what or who uses it).")})
    key = secrets.token_hex(20)
    token = ApiToken(user=user, name=name[:100], key_hash=hash_api_key(key), prefix=key[:8], expires=expires)
    token.full_clean()
    token.save()
    audit(
        AuditKind.TOKEN_ISSUED,
        request=request,
        user=by,
        subject=user.get_username(),
        subject_id=user.pk,
        token=token.pk,
        prefix=token.prefix,
        name=token.name,
        expires=expires.isoformat() if expires is not None else None,
    )
    return key


def revoke_api_token(token, *, by=None, request=None) -> None:
    from core.models import AuditKind
    from core.security import audit

    if token.revoked is not None:
        return
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    audit(
        AuditKind.TOKEN_REVOKED,
        request=request,
        user=by,
        subject=token.user.get_username(),
        subject_id=token.user_id,
        token=token.pk,
        prefix=token.prefix,
        name=token.name,
    )

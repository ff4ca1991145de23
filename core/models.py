from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSet


class ChangeLoggedModel(models.Model):
    """Base of every inventory object: timestamps, and every save/delete lands in ObjectChange.

    Subclasses may list `changelog_exclude` (field names never written to the log, e.g. secrets).
    History and journal are reached through core.selectors, not a GenericRelation: a
    GenericRelation would cascade and erase an object's history when the object is deleted.
    """

    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    changelog_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True


class ChangeAction(ChoiceSet):
    CREATE, UPDATE, DELETE = "create", "update", "delete"
    CHOICES = [
        (CREATE, _("Created"), "success"),
        (UPDATE, _("Updated"), "primary"),
        (DELETE, _("Deleted"), "danger"),
    ]


class ObjectChange(models.Model):
    """One create, update or delete of a change-logged object, with the data before and after."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    request_id = models.UUIDField(_("request ID"), db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices())
    changed_object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    changed_object_id = models.PositiveBigIntegerField()
    changed_object = GenericForeignKey("changed_object_type", "changed_object_id")
    object_repr = models.CharField(_("object"), max_length=200)
    prechange_data = models.JSONField(_("before"), null=True, blank=True)
    postchange_data = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["changed_object_type", "changed_object_id"], name="core_change_object_idx")]
        verbose_name = _("change")
        verbose_name_plural = _("changes")

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action}"

    @property
    def diff(self) -> dict[str, tuple[object, object]]:
        """Fields whose value differs between before and after: {field: (before, after)}."""
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        keys = sorted(set(before) | set(after))
        return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}


class JournalKind(ChoiceSet):
    INFO, SUCCESS, WARNING, DANGER = "info", "success", "warning", "danger"
    CHOICES = [
        (INFO, _("Info"), "info"),
        (SUCCESS, _("Success"), "success"),
        (WARNING, _("Warning"), "warning"),
        (DANGER, _("Danger"), "danger"),
    ]


class JournalEntry(models.Model):
    """A free note on any object, with a kind (NetBox's journal)."""

    object_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    assigned_object = GenericForeignKey("object_type", "object_id")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=JournalKind.choices(), default=JournalKind.INFO)
    comments = models.TextField(_("comments"))

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_journal_object_idx")]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.comments[:50]}"


class Tag(ChangeLoggedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#6c757d",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))],
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """An API key, stored as its SHA-256 hash: the key itself is shown once, when it is issued.

    `prefix` (the key's first characters) is kept to tell tokens apart in lists. A token stops
    working when it is revoked or past `expires`. Issue and revoke through `core.services`
    (`manage.py api_token`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.revoked is None and (self.expires is None or self.expires > now)


class AuditKind(ChoiceSet):
    LOGIN, LOGIN_FAILED, LOCKOUT, LOGOUT, UNLOCK = "login", "login_failed", "lockout", "logout", "unlock"
    ROLE_CHANGE, PERMISSION_CHANGE = "role_change", "permission_change"
    TOKEN_ISSUED, TOKEN_REVOKED, EXPORT = "token_issued", "token_revoked", "export"
    CHOICES = [
        (LOGIN, _("Signed in"), "success"),
        (LOGIN_FAILED, _("Sign-in failed"), "warning"),
        (LOCKOUT, _("Locked out"), "danger"),
        (UNLOCK, _("Unlocked"), "success"),
        (LOGOUT, _("Signed out"), "secondary"),
        (ROLE_CHANGE, _("Role changed"), "primary"),
        (PERMISSION_CHANGE, _("Permissions changed"), "primary"),
        (TOKEN_ISSUED, _("API token issued"), "info"),
        (TOKEN_REVOKED, _("API token revoked"), "info"),
        (EXPORT, _("Export"), "dark"),
    ]


class AuditEvent(models.Model):
    """One security-relevant event: a sign-in, a failure, a lockout, a role change, an export.

    Append-only: a database trigger refuses UPDATE (migration core 0002) and, on PostgreSQL, DELETE (core 0003;
    SQLite, for development and tests, allows DELETE: its flush empties tables with it). No code of the
    application deletes an event. The user is kept as
    an id and a name, not a foreign key, so deleting a user never has to rewrite the trail.
    """

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=AuditKind.choices(), db_index=True)
    user_id = models.PositiveBigIntegerField(_("user ID"), null=True, blank=True, db_index=True)
    user_name = models.CharField(_("user name"), max_length=150, blank=True, db_index=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.kind} {self.user_name}"

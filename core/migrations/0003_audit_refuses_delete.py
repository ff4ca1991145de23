"""The audit trail refuses DELETE too, on PostgreSQL (the production database).

PostgreSQL: a BEFORE DELETE row trigger. Django's flush (`manage.py flush`, pytest-django's transactional tests)
empties tables with TRUNCATE, which fires no row trigger, so tests and resets still work; no code of the
application deletes audit events.
SQLite (development and tests only): DELETE stays allowed. Its flush empties tables with DELETE, which a
trigger would abort (every transactional test's teardown); UPDATE stays refused there (0002).
"""

from django.db import migrations

AUDIT_TABLE = "core_auditevent"


def refuse_delete(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {AUDIT_TABLE}_no_delete BEFORE DELETE ON {AUDIT_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION core_audit_append_only()"
        )


def allow_delete(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {AUDIT_TABLE}_no_delete ON {AUDIT_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_security")]

    operations = [migrations.RunPython(refuse_delete, allow_delete)]

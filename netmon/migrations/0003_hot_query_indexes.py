"""Indexes for the hot queries (bench/db.py measured them on PostgreSQL at scale).

- `netmon_outage_end`: availability over a period reads the outages still open or ended after its start.
- `netmon_sample_at` leaves the model's state: on PostgreSQL it becomes a BRIN index (the raw samples
  are written in time order, so block ranges follow time: a thousandth of the btree's size, and the
  roll-up and pruning ranges read no more than through the btree); on SQLite (no BRIN) the btree stays.
"""

from django.db import migrations, models

BRIN = "CREATE INDEX netmon_sample_at ON netmon_sample USING brin (at)"
BTREE = "CREATE INDEX netmon_sample_at ON netmon_sample (at)"


def at_to_brin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS netmon_sample_at")
        schema_editor.execute(BRIN)


def at_to_btree(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS netmon_sample_at")
        schema_editor.execute(BTREE)


class Migration(migrations.Migration):
    dependencies = [
        ("netmon", "0002_poller_dropped_packets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="sample", name="netmon_sample_at")],
            database_operations=[migrations.RunPython(at_to_brin, at_to_btree)],
        ),
        migrations.AddIndex(
            model_name="outage",
            index=models.Index(fields=["end"], name="netmon_outage_end"),
        ),
    ]

"""A publish leaves every maintained count to its end, not only the person counts: the deferred
function is renamed (the old one is dropped; the new one is compliance/sql's, installed after
migrate by governance.sqldefs). No table changes. Reversed, the old function is left to the
definitions then installed, and the counts undated so that the next roll rebuilds them."""

from django.db import migrations


def drop_old_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS governance_apply_deferred_person_counts(bigint[])")


def undated(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DELETE FROM governance_obligationcountstate")


class Migration(migrations.Migration):

    dependencies = [("compliance", "0006_person_obligation_counts")]

    operations = [migrations.RunPython(drop_old_function, undated, elidable=False)]

"""PostgreSQL: the count triggers never date anything by the database server's calendar.

0011 and 0014 once fell back to ``current_date`` when the counts' state row was missing; their
definitions now skip the work instead (the next roll finds no state and rebuilds). This
re-applies 0014's functions (all ``CREATE OR REPLACE``) to databases migrated before.
"""

from importlib import import_module

from django.db import migrations


def replace_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(import_module("governance.migrations.0014_dashboard_rollup_triggers").CREATE_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("governance", "0016_drop_redundant_open_dept_platform_index")]

    operations = [migrations.RunPython(replace_functions, migrations.RunPython.noop, elidable=False)]

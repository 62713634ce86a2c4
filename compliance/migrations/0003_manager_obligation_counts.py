"""ManagerObligationCount: the open obligations of each manager's direct reports, so that a
manager's team dashboard reads maintained counts too.

PostgreSQL: the table gets room for in-place updates (fillfactor, like the other counts) and
its rows from the open obligations, dated as the other counts are (none while they are not
dated: the next rebuild fills it). The triggers that keep it are compliance/sql's definitions,
installed after migrate (governance.sqldefs). Reversed, the functions go back to migration
governance 0014's (which know nothing of this table) before the table is dropped.
"""

from importlib import import_module

from django.db import migrations, models


def populate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE compliance_managerobligationcount SET (fillfactor = 70)")
    schema_editor.execute(
        """
        INSERT INTO compliance_managerobligationcount
            (manager_id, department_id, platform_id, policy_version_id, status, overdue, count)
        SELECT coalesce(e.manager_id, 0), coalesce(o.department_id, 0), o.platform_id, o.policy_version_id,
               o.status, o.status IN ('pending', 'noncompliant') AND o.due_on < s.as_of, count(*)::int
        FROM governance_obligation AS o
        LEFT JOIN governance_employee AS e ON e.id = o.employee_id
        CROSS JOIN governance_obligationcountstate AS s
        WHERE o.closed_at IS NULL AND s.id = 1
        GROUP BY 1, 2, 3, 4, 5, 6
        """
    )


def previous_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(import_module("governance.migrations.0014_dashboard_rollup_triggers").CREATE_FUNCTIONS)



class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0002_report_scope'),
    ]

    operations = [
        migrations.CreateModel(
            name='ManagerObligationCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('manager_id', models.IntegerField(help_text="The direct manager's employee id, or 0 for none.")),
                ('department_id', models.IntegerField(help_text='Department id, or 0 (see NO_DEPARTMENT_ID).')),
                ('platform_id', models.IntegerField()),
                ('policy_version_id', models.IntegerField()),
                ('status', models.CharField(max_length=16)),
                ('overdue', models.BooleanField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'db_table': 'compliance_managerobligationcount',
                'constraints': [models.UniqueConstraint(fields=('manager_id', 'department_id', 'platform_id', 'policy_version_id', 'status', 'overdue'), name='manager_obligation_count_dims')],
            },
        ),
        migrations.RunPython(populate, previous_functions, elidable=False),
    ]

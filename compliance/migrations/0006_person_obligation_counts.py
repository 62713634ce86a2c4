"""The per-person counts cover everyone: HandlerObligationCount becomes PersonObligationCount
(compliance_personobligationcount), with a row over all tools for every person and, as before,
per-tool rows for customer-data handlers, and the person's customer-data flag on each row; and
PeopleCount counts those rows per department, tool, country and flag; so that "people fully
compliant on every tool" reads maintained counts for everyone too.

PostgreSQL: the rows are recounted from the open obligations, dated as the other counts are
(none while they are not dated: the next rebuild fills them). The publish's deferred
function is renamed (the old one is dropped); the triggers and functions are compliance/sql's,
installed after migrate (governance.sqldefs). Reversed, the table gets its old name and rows
(handlers only) back, and the counts are left undated so that the next roll rebuilds them with
whatever functions are then installed.
"""

from django.db import migrations, models


def recount(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION IF EXISTS governance_apply_deferred_handler_counts(bigint[])")
    schema_editor.execute("ALTER TABLE compliance_personobligationcount SET (fillfactor = 70)")
    schema_editor.execute("DELETE FROM compliance_personobligationcount")
    schema_editor.execute(
        """
        INSERT INTO compliance_personobligationcount
            (employee_id, department_id, platform_id, country, customer_data, open_count, to_do_count)
        SELECT o.employee_id, coalesce(o.department_id, 0), tool.platform_id, e.country, e.handles_customer_data,
               count(*)::int, (count(*) FILTER (WHERE o.status IN ('pending', 'noncompliant')))::int
        FROM governance_obligation AS o
        JOIN governance_employee AS e ON e.id = o.employee_id
        CROSS JOIN LATERAL (
            SELECT 0 UNION ALL SELECT o.platform_id::integer WHERE e.handles_customer_data
        ) AS tool (platform_id)
        WHERE o.closed_at IS NULL AND EXISTS (SELECT 1 FROM governance_obligationcountstate WHERE id = 1)
        GROUP BY 1, 2, 3, 4, 5
        """
    )
    schema_editor.execute("ALTER TABLE compliance_peoplecount SET (fillfactor = 70)")
    schema_editor.execute(
        """
        INSERT INTO compliance_peoplecount (department_id, platform_id, country, customer_data, people, to_do)
        SELECT department_id, platform_id, country, customer_data, count(*) FILTER (WHERE open_count > 0)::int,
               count(*) FILTER (WHERE to_do_count > 0)::int
        FROM compliance_personobligationcount
        GROUP BY 1, 2, 3, 4
        """
    )


def undated(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DELETE FROM compliance_personobligationcount WHERE NOT customer_data")
    schema_editor.execute("DELETE FROM governance_obligationcountstate")


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0005_report_carries_ledger_checkpoint'),
    ]

    operations = [
        migrations.RenameModel('HandlerObligationCount', 'PersonObligationCount'),
        migrations.AlterModelTable('PersonObligationCount', 'compliance_personobligationcount'),
        migrations.RemoveConstraint('PersonObligationCount', 'handler_obligation_count_dims'),
        migrations.AddConstraint(
            'PersonObligationCount',
            models.UniqueConstraint(fields=('employee', 'department_id', 'platform_id'), name='person_obligation_count_dims'),
        ),
        migrations.RenameIndex('PersonObligationCount', new_name='person_count_platform', old_name='handler_count_platform'),
        migrations.AddField(
            'PersonObligationCount',
            'customer_data',
            models.BooleanField(default=False, help_text='The person handles customer data.'),
        ),
        migrations.AlterModelOptions('PersonObligationCount', {}),
        migrations.AddField('PersonObligationCount', 'was_open', models.BooleanField(default=False, db_default=False)),
        migrations.AddField('PersonObligationCount', 'was_to_do', models.BooleanField(default=False, db_default=False)),
        migrations.CreateModel(
            name='PeopleCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('department_id', models.IntegerField(help_text='Department id, or 0 for people without a department.')),
                ('platform_id', models.IntegerField(help_text='Tool id, or 0 for all tools (see ALL_PLATFORMS_ID).')),
                ('country', models.CharField(blank=True, max_length=2)),
                ('customer_data', models.BooleanField(default=False)),
                ('people', models.IntegerField(default=0)),
                ('to_do', models.IntegerField(default=0)),
            ],
            options={
                'db_table': 'compliance_peoplecount',
                'constraints': [models.UniqueConstraint(fields=('platform_id', 'department_id', 'country', 'customer_data'), name='people_count_dims')],
            },
        ),
        migrations.RunPython(recount, undated, elidable=False),
    ]

"""The maintained counts, snapshots and reports move here from governance, without touching the data: the state moves, the tables keep their names."""

import django.db.models.deletion
import governance.storage
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('governance', '0021_audit_object_types'),
        ('people', '0001_initial'),
        ('platforms', '0003_catalog_snapshot_replaces_fingerprint'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.CreateModel(
                    name='ObligationCountState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('as_of', models.DateField()),
                    ],
                    options={
                        'db_table': 'governance_obligationcountstate',
                    },
                ),
                migrations.CreateModel(
                    name='ComplianceSnapshotTotal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('department_id', models.IntegerField()),
                        ('platform_id', models.IntegerField()),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('compliant', models.PositiveIntegerField(default=0)),
                        ('not_used', models.PositiveIntegerField(default=0)),
                        ('excepted', models.PositiveIntegerField(default=0)),
                        ('pending', models.PositiveIntegerField(default=0)),
                        ('noncompliant', models.PositiveIntegerField(default=0)),
                        ('overdue', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'governance_compliancesnapshottotal',
                        'constraints': [models.UniqueConstraint(fields=('department_id', 'platform_id', 'day'), name='snapshot_total_dims')],
                    },
                ),
                migrations.CreateModel(
                    name='ObligationCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('department_id', models.IntegerField(help_text='Department id, or 0 (see NO_DEPARTMENT_ID).')),
                        ('subtree', models.BooleanField(default=False)),
                        ('platform_id', models.IntegerField()),
                        ('policy_version_id', models.IntegerField()),
                        ('status', models.CharField(max_length=16)),
                        ('overdue', models.BooleanField()),
                        ('count', models.IntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'governance_obligationcount',
                        'constraints': [models.UniqueConstraint(fields=('department_id', 'subtree', 'platform_id', 'policy_version_id', 'status', 'overdue'), name='obligation_count_dims')],
                    },
                ),
                migrations.CreateModel(
                    name='ObligationFacetCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('department_id', models.IntegerField()),
                        ('subtree', models.BooleanField(default=False)),
                        ('platform_id', models.IntegerField()),
                        ('policy_version_id', models.IntegerField()),
                        ('status', models.CharField(max_length=16)),
                        ('overdue', models.BooleanField()),
                        ('country', models.CharField(blank=True, max_length=2)),
                        ('customer_data', models.BooleanField()),
                        ('count', models.IntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'governance_obligationfacetcount',
                        'constraints': [models.UniqueConstraint(fields=('department_id', 'subtree', 'platform_id', 'policy_version_id', 'status', 'overdue', 'country', 'customer_data'), name='obligation_facet_count_dims')],
                    },
                ),
                migrations.CreateModel(
                    name='ComplianceReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=200)),
                        ('period_start', models.DateField(blank=True, null=True)),
                        ('period_end', models.DateField(blank=True, null=True)),
                        ('as_of', models.DateTimeField(blank=True, help_text='The moment the figures describe.', null=True)),
                        ('trigger', models.CharField(choices=[('manual', 'Started by a person'), ('schedule', 'Scheduled'), ('api', 'API')], default='manual', max_length=16)),
                        ('requested_by_label', models.CharField(blank=True, help_text='API key or schedule name.', max_length=200)),
                        ('filters', models.JSONField(blank=True, default=dict, help_text='Compliance filters as URL parameters.')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], db_index=True, default='queued', max_length=16)),
                        ('progress', models.PositiveSmallIntegerField(default=0, help_text='Percent done.')),
                        ('error', models.TextField(blank=True)),
                        ('summary', models.JSONField(blank=True, default=dict, help_text='The headline figures.')),
                        ('csv_file', models.FileField(blank=True, storage=governance.storage.private_storage, upload_to='reports/%Y/%m/')),
                        ('csv_sha256', models.CharField(blank=True, max_length=64)),
                        ('pdf_file', models.FileField(blank=True, storage=governance.storage.private_storage, upload_to='reports/%Y/%m/')),
                        ('pdf_sha256', models.CharField(blank=True, max_length=64)),
                        ('ledger_head_hash', models.CharField(blank=True, max_length=64)),
                        ('ledger_count', models.PositiveBigIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'governance_compliancereport',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='report_progress_percent')],
                    },
                ),
                migrations.CreateModel(
                    name='ComplianceSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('total', models.PositiveIntegerField(default=0)),
                        ('compliant', models.PositiveIntegerField(default=0)),
                        ('not_used', models.PositiveIntegerField(default=0)),
                        ('excepted', models.PositiveIntegerField(default=0)),
                        ('pending', models.PositiveIntegerField(default=0)),
                        ('noncompliant', models.PositiveIntegerField(default=0)),
                        ('overdue', models.PositiveIntegerField(default=0)),
                        ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.department')),
                        ('platform', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='platforms.platform')),
                    ],
                    options={
                        'db_table': 'governance_compliancesnapshot',
                        'ordering': ['day'],
                        'indexes': [models.Index(fields=['day'], name='snapshot_day'), models.Index(fields=['department', 'platform', 'day'], name='snapshot_department_day')],
                        'constraints': [models.UniqueConstraint(fields=('day', 'department', 'platform'), name='one_snapshot_per_day_department_platform')],
                    },
                ),
                migrations.CreateModel(
                    name='FailingSettingCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('department_id', models.IntegerField()),
                        ('subtree', models.BooleanField(default=False)),
                        ('platform_id', models.IntegerField()),
                        ('policy_version_id', models.IntegerField()),
                        ('country', models.CharField(blank=True, max_length=2)),
                        ('customer_data', models.BooleanField()),
                        ('count', models.IntegerField(default=0)),
                        ('setting', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='platforms.platformsetting')),
                    ],
                    options={
                        'db_table': 'governance_failingsettingcount',
                        'constraints': [models.UniqueConstraint(fields=('department_id', 'subtree', 'platform_id', 'policy_version_id', 'setting', 'country', 'customer_data'), name='failing_setting_count_dims')],
                    },
                ),
                migrations.CreateModel(
                    name='HandlerObligationCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('department_id', models.IntegerField(help_text='Department id, or 0 for people without a department.')),
                        ('platform_id', models.IntegerField(help_text='Tool id, or 0 for all tools (see ALL_PLATFORMS_ID).')),
                        ('country', models.CharField(blank=True, max_length=2)),
                        ('open_count', models.IntegerField(default=0)),
                        ('to_do_count', models.IntegerField(default=0)),
                        ('employee', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.employee')),
                    ],
                    options={
                        'db_table': 'governance_handlerobligationcount',
                        'indexes': [models.Index(fields=['platform_id', 'department_id'], name='handler_count_platform')],
                        'constraints': [models.UniqueConstraint(fields=('employee', 'department_id', 'platform_id'), name='handler_obligation_count_dims')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

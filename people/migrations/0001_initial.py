"""People's models (Department, Employee) move here from governance, without touching the data: the state moves, the tables keep their names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('governance', '0021_audit_object_types'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.CreateModel(
                    name='Department',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(help_text="The HR system's id.", max_length=64, unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('path', models.CharField(db_index=True, default='', editable=False, max_length=1024)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='people.department')),
                    ],
                    options={
                        'db_table': 'governance_department',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Employee',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(help_text="The HR system's id.", max_length=64, unique=True)),
                        ('email', models.EmailField(max_length=254, unique=True)),
                        ('full_name', models.CharField(max_length=200)),
                        ('reporting_path', models.CharField(default='/', editable=False, max_length=1024)),
                        ('job_title', models.CharField(blank=True, max_length=200)),
                        ('country', models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 code.', max_length=2)),
                        ('handles_customer_data', models.BooleanField(default=False)),
                        ('status', models.CharField(choices=[('active', 'Active'), ('on_leave', 'On leave'), ('terminated', 'Terminated')], db_index=True, default='active', max_length=16)),
                        ('hired_on', models.DateField(blank=True, null=True)),
                        ('terminated_on', models.DateField(blank=True, null=True)),
                        ('email_changed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                        ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='employees', to='people.department')),
                        ('manager', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='people.employee')),
                        ('user', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='employee', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'governance_employee',
                        'ordering': ['full_name'],
                    },
                ),
                migrations.AddIndex(
                    model_name='department',
                    index=models.Index(fields=['path'], name='department_path_prefix', opclasses=['varchar_pattern_ops']),
                ),
                migrations.AddConstraint(
                    model_name='department',
                    constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('id')), _negated=True), name='department_not_own_parent'),
                ),
                migrations.AddIndex(
                    model_name='employee',
                    index=models.Index(fields=['reporting_path'], name='employee_reporting_prefix', opclasses=['varchar_pattern_ops']),
                ),
                migrations.AddIndex(
                    model_name='employee',
                    index=models.Index(fields=['department', 'status'], name='employee_department_status'),
                ),
                migrations.AddIndex(
                    model_name='employee',
                    index=models.Index(fields=['country'], name='employee_country'),
                ),
                migrations.AddConstraint(
                    model_name='employee',
                    constraint=models.CheckConstraint(condition=models.Q(('manager', models.F('id')), _negated=True), name='employee_not_own_manager'),
                ),
                migrations.AddConstraint(
                    model_name='employee',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'terminated'), ('terminated_on__isnull', True), _connector='OR'), name='employee_termination_date_only_when_terminated'),
                ),
            ],
            database_operations=[],
        ),
    ]

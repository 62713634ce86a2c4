"""The notification log and used sign-in links move here from governance, without touching the data: the state moves, the tables keep their names."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('governance', '0021_audit_object_types'),
        ('people', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.CreateModel(
                    name='LoginLinkUse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('nonce', models.CharField(max_length=64, unique=True)),
                        ('used_at', models.DateTimeField(auto_now_add=True)),
                        ('employee', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.employee')),
                    ],
                    options={
                        'db_table': 'governance_loginlinkuse',
                    },
                ),
                migrations.CreateModel(
                    name='NotificationLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('reminder', 'Reminder digest'), ('escalation', 'Manager escalation'), ('officer_summary', 'Weekly officer summary'), ('report_ready', 'Report ready')], max_length=32)),
                        ('day', models.DateField()),
                        ('state', models.CharField(choices=[('claimed', 'Claimed'), ('sent', 'Sent'), ('failed', 'Failed (retried next run)')], default='claimed', max_length=16)),
                        ('claimed_at', models.DateTimeField()),
                        ('claimed_by', models.CharField(blank=True, help_text='Worker / task id that claimed it.', max_length=200)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('last_error', models.TextField(blank=True)),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to='people.employee')),
                    ],
                    options={
                        'db_table': 'governance_notificationlog',
                        'ordering': ['-day', '-id'],
                        'indexes': [models.Index(fields=['day', 'kind', 'state'], name='notification_day_kind_state')],
                        'constraints': [models.UniqueConstraint(fields=('recipient', 'kind', 'day'), name='one_notification_per_recipient_kind_day')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

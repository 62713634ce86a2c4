"""Retention without breaking the chain: the personal data of a record kept beside it.

Records written before this migration are format 1 (their hash covers the personal fields on
their own row) and stay so; the column's default becomes 2 for every record written after. The
column is added with a constant default, so no existing row is updated (the append-only trigger
stays quiet). The daily erasure of former employees' personal data runs at 02:15.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

NAME = "Ledger: erase former employees' personal data after the retention period"


def install(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "governance.erase_expired_personal_data",
            "crontab": crontab,
            "enabled": True,
            "description": "Erases the personal fields of the ledger records, the evidence files and the names and "
            "e-mail addresses of people terminated longer ago than LEDGER_PERSONAL_DATA_RETENTION_DAYS.",
        },
    )


def uninstall(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('attestations', '0003_ledger_checkpoint_schedule'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
        ('people', '0002_employee_email_upper'),
        ('platforms', '0006_practice_control_type'),
        ('policies', '0004_alter_toolrule_departments'),
    ]

    operations = [
        migrations.CreateModel(
            name='AttestationPersonalData',
            fields=[
                ('attestation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='personal_data', serialize=False, to='attestations.attestation')),
                ('salt', models.CharField(blank=True, help_text='32 random bytes, hex; empty once erased.', max_length=64)),
                ('signature', models.CharField(blank=True, help_text='The full name typed as signature.', max_length=200)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=500)),
                ('erased_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name_plural': 'attestation personal data',
            },
        ),
        migrations.AddField(
            model_name='attestation',
            name='format',
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name='attestation',
            name='format',
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name='attestation',
            name='personal_digest',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='evidence',
            name='erased_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='attestation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('format', 1), ('personal_digest', '')), models.Q(('format', 2), ('ip_address__isnull', True), ('signature', ''), ('user_agent', '')), _connector='OR'), name='attestation_personal_fields_by_format'),
        ),
        migrations.AddConstraint(
            model_name='attestationpersonaldata',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('erased_at__isnull', True), models.Q(('salt', ''), _negated=True)), models.Q(('erased_at__isnull', False), ('ip_address__isnull', True), ('salt', ''), ('signature', ''), ('user_agent', '')), _connector='OR'), name='personal_data_salted_or_erased'),
        ),
        migrations.RunPython(install, uninstall),
    ]

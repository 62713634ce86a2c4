"""API keys, idempotency records and webhooks move here from governance, without touching the data: the state moves, the tables keep their names."""

import django.db.models.deletion
import uuid
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
                    name='ApiKey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('prefix', models.CharField(max_length=16, unique=True)),
                        ('key_hash', models.CharField(max_length=64)),
                        ('scopes', models.JSONField(default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_used_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'API key',
                        'db_table': 'governance_apikey',
                        'ordering': ['name', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('owner', models.CharField(help_text='key:<id> or user:<id>: who sent the request.', max_length=64)),
                        ('key', models.CharField(max_length=255)),
                        ('method', models.CharField(default='', help_text='The request the key was first sent with.', max_length=8)),
                        ('path', models.TextField(default='')),
                        ('request_hash', models.CharField(help_text='SHA-256 of the body.', max_length=64)),
                        ('response_status', models.PositiveSmallIntegerField()),
                        ('response_body', models.JSONField()),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        'db_table': 'governance_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('owner', 'key'), name='one_idempotency_record_per_owner_key')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=500)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('secret', models.CharField(help_text='Shared secret for the HMAC-SHA256 signature.', max_length=128)),
                        ('events', models.JSONField(default=list)),
                        ('active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by_key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='integrations.apikey')),
                    ],
                    options={
                        'db_table': 'governance_webhookendpoint',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.UUIDField(default=uuid.uuid4)),
                        ('event_type', models.CharField(choices=[('employee.noncompliant', 'An employee became non-compliant'), ('employee.compliant', 'An employee became compliant'), ('report.ready', 'A compliance report is ready')], max_length=32)),
                        ('payload', models.JSONField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Given up')], db_index=True, default='pending', max_length=16)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('last_status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('last_error', models.TextField(blank=True)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='integrations.webhookendpoint')),
                    ],
                    options={
                        'db_table': 'governance_webhookdelivery',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.UniqueConstraint(fields=('endpoint', 'event_id'), name='one_delivery_per_endpoint_event')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

"""Obligations, exceptions and the ledger (Obligation, PolicyException, Attestation, AttestationAnswer, Evidence) move here from governance, without touching the data: the state moves, the tables keep their names."""

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
        ('policies', '0004_alter_toolrule_departments'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.CreateModel(
                    name='Evidence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(storage=governance.storage.private_storage, upload_to='evidence/%Y/%m/')),
                        ('content_type', models.CharField(max_length=32)),
                        ('size', models.PositiveIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('employee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='people.employee')),
                    ],
                    options={
                        'db_table': 'governance_evidence',
                    },
                ),
                migrations.CreateModel(
                    name='Attestation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('attestation', 'Attestation'), ('acknowledgment', 'Policy acknowledgment')], default='attestation', max_length=16)),
                        ('answers', models.JSONField(blank=True, default=list)),
                        ('compliant', models.BooleanField(null=True)),
                        ('tool_used', models.BooleanField(null=True)),
                        ('tier', models.CharField(blank=True, max_length=32)),
                        ('evidence_sha256', models.CharField(blank=True, max_length=64)),
                        ('statement', models.TextField(help_text='The statement shown to and signed by the employee.')),
                        ('signature', models.CharField(blank=True, help_text='The full name typed as signature.', max_length=200)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('user_agent', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField()),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('employee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attestations', to='people.employee')),
                        ('platform', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='platforms.platform')),
                        ('policy_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policies.policyversion')),
                        ('evidence', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='attestations.evidence')),
                    ],
                    options={
                        'db_table': 'governance_attestation',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Obligation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('compliant', 'Compliant'), ('noncompliant', 'Non-compliant'), ('not_used', 'Not used'), ('excepted', 'Excepted')], default='pending', max_length=16)),
                        ('due_on', models.DateField()),
                        ('valid_until', models.DateField(blank=True, null=True)),
                        ('last_attested_at', models.DateTimeField(blank=True, null=True)),
                        ('opened_at', models.DateTimeField()),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('close_reason', models.CharField(blank=True, choices=[('superseded', 'Superseded by a newer policy version'), ('out_of_scope', "No longer in the rule's scope"), ('terminated', 'Employee terminated'), ('retired', 'Policy version retired')], max_length=16)),
                        ('department', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='obligations', to='people.department')),
                        ('employee', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='people.employee')),
                        ('platform', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='platforms.platform')),
                        ('policy_version', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='policies.policyversion')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='obligations', to='policies.toolrule')),
                        ('satisfied_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='attestations.attestation')),
                    ],
                    options={
                        'db_table': 'governance_obligation',
                        'ordering': ['due_on', 'id'],
                    },
                ),
                migrations.AddField(
                    model_name='attestation',
                    name='obligation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attestations', to='attestations.obligation'),
                ),
                migrations.CreateModel(
                    name='PolicyException',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.TextField()),
                        ('requested_days', models.PositiveIntegerField(default=90)),
                        ('status', models.CharField(choices=[('requested', 'Requested'), ('approved', 'Approved'), ('denied', 'Denied')], db_index=True, default='requested', max_length=16)),
                        ('requested_at', models.DateTimeField(auto_now_add=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decision_note', models.TextField(blank=True)),
                        ('expires_on', models.DateField(blank=True, null=True)),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('employee', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exceptions', to='people.employee')),
                        ('obligation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='exceptions', to='attestations.obligation')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exceptions', to='policies.toolrule')),
                    ],
                    options={
                        'db_table': 'governance_policyexception',
                        'ordering': ['-requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AttestationAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('revision', models.PositiveIntegerField()),
                        ('required_value', models.CharField(max_length=64)),
                        ('value', models.CharField(max_length=64)),
                        ('compliant', models.BooleanField()),
                        ('attestation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='answer_rows', to='attestations.attestation')),
                        ('setting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='platforms.platformsetting')),
                    ],
                    options={
                        'db_table': 'governance_attestationanswer',
                        'indexes': [models.Index(fields=['setting', 'compliant'], name='answer_setting_compliant')],
                        'constraints': [models.UniqueConstraint(fields=('attestation', 'setting'), name='one_answer_per_setting')],
                    },
                ),
                migrations.AddIndex(
                    model_name='obligation',
                    index=models.Index(condition=models.Q(('closed_at__isnull', True)), fields=['status', 'due_on'], name='obligation_open_status_due'),
                ),
                migrations.AddIndex(
                    model_name='obligation',
                    index=models.Index(fields=['employee', 'closed_at'], name='obligation_employee'),
                ),
                migrations.AddIndex(
                    model_name='obligation',
                    index=models.Index(fields=['policy_version', 'status'], name='obligation_version_status'),
                ),
                migrations.AddConstraint(
                    model_name='obligation',
                    constraint=models.UniqueConstraint(fields=('employee', 'rule'), name='one_obligation_per_employee_rule'),
                ),
                migrations.AddConstraint(
                    model_name='obligation',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('close_reason', ''), ('closed_at__isnull', True)), models.Q(('closed_at__isnull', False), models.Q(('close_reason', ''), _negated=True)), _connector='OR'), name='obligation_closed_with_reason'),
                ),
                migrations.AddIndex(
                    model_name='attestation',
                    index=models.Index(fields=['employee', 'created_at'], name='attestation_employee_time'),
                ),
                migrations.AddIndex(
                    model_name='attestation',
                    index=models.Index(fields=['obligation', 'id'], name='attestation_obligation'),
                ),
                migrations.AddConstraint(
                    model_name='attestation',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'acknowledgment')), fields=('employee', 'policy_version'), name='acknowledge_each_version_once'),
                ),
                migrations.AddConstraint(
                    model_name='attestation',
                    constraint=models.UniqueConstraint(fields=('prev_hash',), name='ledger_no_fork'),
                ),
                migrations.AddConstraint(
                    model_name='policyexception',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'approved'), _negated=True), ('expires_on__isnull', False), _connector='OR'), name='approved_exception_has_expiry'),
                ),
                migrations.AddConstraint(
                    model_name='policyexception',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'requested')), fields=('employee', 'rule'), name='one_open_request_per_rule'),
                ),
            ],
            database_operations=[],
        ),
    ]

"""Builders for the attestation tests: a published policy version with tools, rules, required
settings and obligations, made with the factories (publishing itself is another feature's)."""

import itertools

from django.db import connection
from django.utils import timezone

from attestations import ledger
from attestations.models import Attestation
from policies.models import PolicyVersion
from tests.factories import (
    ObligationFactory,
    PlatformSettingFactory,
    PolicyFactory,
    PolicyVersionFactory,
    RequiredSettingFactory,
    ToolRuleFactory,
)

_policies = itertools.count(1)


def new_version(**kwargs):
    """A draft version of a policy of its own (only one version per policy may be published)."""
    number = next(_policies)
    kwargs.setdefault("policy", PolicyFactory(slug=f"ai-use-{number}", name=f"AI acceptable use {number}"))
    return PolicyVersionFactory(**kwargs)


def publish(version):
    PolicyVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())
    version.refresh_from_db()
    return version


def tool_rules(*, tools=2, settings_per_tool=1, allowed_tiers=None, version=None, **rule_kwargs):
    """Draft rules with required settings on a (new) version; call publish() afterwards."""
    version = version or new_version()
    rules = []
    for _ in range(tools):
        rule = ToolRuleFactory(version=version, allowed_tiers=list(allowed_tiers or []), **rule_kwargs)
        for _ in range(settings_per_tool):
            setting = PlatformSettingFactory(platform=rule.platform, deep_link="https://example.test/settings")
            RequiredSettingFactory(rule=rule, setting=setting)
        rules.append(rule)
    return version, rules


def published_obligations(employee, *, tools=2, settings_per_tool=1, allowed_tiers=None, version=None, **kwargs):
    """A published version with ``tools`` rules and the employee's obligation for each."""
    version, rules = tool_rules(
        tools=tools, settings_per_tool=settings_per_tool, allowed_tiers=allowed_tiers, version=version
    )
    publish(version)
    return version, [
        ObligationFactory(employee=employee, rule=rule, policy_version=version, **kwargs) for rule in rules
    ]


def required_of(obligation):
    return list(obligation.rule.required_settings.select_related("setting").order_by("setting__key"))


def safe_answers(obligation):
    return {requirement.setting_id: requirement.required_value for requirement in required_of(obligation)}


def unsafe_answers(obligation):
    return {
        requirement.setting_id: next(v for v in requirement.setting.values if v != requirement.required_value)
        for requirement in required_of(obligation)
    }


def unguarded(*statements):
    """Run SQL with the append-only triggers off (a superuser's session_replication_role), as
    someone holding a copy of the database could."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET session_replication_role = replica")
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = origin")


def rewrite_from(record, statement):
    """Edit one record and recompute its hash and every later record's link and hash."""
    later = list(Attestation.objects.filter(id__gte=record.pk).order_by("id"))
    previous = None
    statements = []
    for row in later:
        if previous is None:
            row.statement = statement
        else:
            row.prev_hash = previous
        row.hash = ledger.compute_hash(row)
        statements.append(
            (
                "UPDATE governance_attestation SET statement = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row.statement, row.prev_hash, row.hash, row.pk],
            )
        )
        previous = row.hash
    unguarded(*statements)

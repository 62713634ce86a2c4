"""factory_boy factories for every model the tests build by hand."""

import datetime

import factory
from django.utils import timezone

from attestations.models import Attestation, AttestationAnswer, Obligation, ObligationStatus
from governance.models import User
from people.models import Department, Employee
from platforms.models import Category, Platform, PlatformSetting
from policies.models import Policy, PolicyVersion, RequiredSetting, ToolRule


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"Department {n}")


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    external_id = factory.Sequence(lambda n: f"HR{n:06d}")
    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    department = factory.SubFactory(DepartmentFactory)
    country = "DE"
    job_title = "Engineer"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        manager = kwargs.get("manager")
        if manager is not None:
            kwargs.setdefault("reporting_path", manager.subtree_prefix)
        return super()._create(model_class, *args, **kwargs)


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tool-{n}")
    name = factory.Sequence(lambda n: f"Tool {n}")
    vendor = "Vendor"
    category = Category.CHATBOT
    consumer_trains_by_default = True
    last_verified_on = factory.LazyFunction(timezone.localdate)


class PlatformSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformSetting

    platform = factory.SubFactory(PlatformFactory)
    key = factory.Sequence(lambda n: f"setting-{n}")
    label = factory.Sequence(lambda n: f"Improve the model {n}")
    navigation_steps = factory.LazyFunction(lambda: ["Open Settings", "Open Data controls"])
    values = factory.LazyFunction(lambda: ["on", "off"])
    safe_value = "off"
    protects = factory.LazyFunction(lambda: ["training"])
    applies_to_tiers = factory.LazyFunction(lambda: ["free", "consumer_paid"])
    sources = factory.LazyFunction(lambda: ["https://example.test/help"])
    last_verified_on = factory.LazyFunction(timezone.localdate)


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("slug",)

    name = "AI acceptable use"
    slug = "ai-acceptable-use"


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A draft version; publish it through policies.services to get obligations."""

    class Meta:
        model = PolicyVersion

    policy = factory.SubFactory(PolicyFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "AI acceptable use"
    body_markdown = "Use only approved AI tools, with training switched off."
    effective_on = factory.LazyFunction(timezone.localdate)


class ToolRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ToolRule

    version = factory.SubFactory(PolicyVersionFactory)
    platform = factory.SubFactory(PlatformFactory)
    stance = ToolRule.Stance.APPROVED


class RequiredSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredSetting

    rule = factory.SubFactory(ToolRuleFactory)
    setting = factory.SubFactory(PlatformSettingFactory, platform=factory.SelfAttribute("..rule.platform"))
    required_value = factory.SelfAttribute("setting.safe_value")


class ObligationFactory(factory.django.DjangoModelFactory):
    """An obligation made directly, for tests of what reads obligations (not of publishing).

    Open obligations only exist under a policy's version in force, so a draft version behind
    one is marked published (without materializing anything) when its policy has none in
    force yet: make its rules first.
    """

    class Meta:
        model = Obligation

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obligation = super()._create(model_class, *args, **kwargs)
        version = obligation.rule.version
        in_force = PolicyVersion.objects.published().filter(policy_id=version.policy_id)
        if obligation.closed_at is None and version.is_draft and not in_force.exists():
            mark_in_force(version)
        return obligation

    employee = factory.SubFactory(EmployeeFactory)
    rule = factory.SubFactory(ToolRuleFactory)
    policy_version = factory.SelfAttribute("rule.version")
    platform = factory.SelfAttribute("rule.platform")
    department = factory.SelfAttribute("employee.department")
    status = ObligationStatus.PENDING
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    opened_at = factory.LazyFunction(timezone.now)


def mark_in_force(*versions):
    """Mark draft versions published without materializing obligations (tests that write
    obligations by hand; their rules must exist first, as published rules are immutable)."""
    PolicyVersion.objects.filter(pk__in=[v.pk for v in versions]).update(status=PolicyVersion.Status.PUBLISHED)
    for version in versions:
        version.refresh_from_db()


def failing_answer(obligation, setting, *, at, required_value="off", value="on"):
    """A non-compliant ledger record on ``obligation`` (its answer leaves ``setting`` at
    ``value``), written straight to the tables, that now satisfies the obligation: what the
    failing-setting figures count. Not hash-chained: for tests of what reads the records."""
    record = Attestation.objects.create(
        employee=obligation.employee,
        obligation=obligation,
        policy_version=obligation.policy_version,
        platform=obligation.platform,
        compliant=False,
        tool_used=True,
        statement="s",
        created_at=at,
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    AttestationAnswer.objects.create(
        attestation=record, setting=setting, revision=1, required_value=required_value, value=value, compliant=False
    )
    Obligation.objects.filter(pk=obligation.pk).update(satisfied_by=record)
    return record


def report_in_state(status="queued", *, progress=0, error="", message="", **fields):
    """A compliance report whose build's job is in ``status`` (the job holds a report's state)."""
    from compliance.models import ComplianceReport
    from compliance.services.reports import BUILD_REPORT
    from governance.models import Job

    now = timezone.now()
    finished = status in (Job.Status.DONE, Job.Status.FAILED)
    job = Job.objects.create(
        kind=BUILD_REPORT,
        key=f"report:test:{Job.objects.count()}",
        title="Building a test report",
        status=status,
        progress=100 if status == Job.Status.DONE else progress,
        error=error,
        message=message,
        started_at=now if status != Job.Status.QUEUED else None,
        finished_at=now if finished else None,
    )
    report = ComplianceReport.objects.create(job=job, **fields)
    Job.objects.filter(pk=job.pk).update(key=f"report:{report.pk}", params={"report": report.pk})
    return report

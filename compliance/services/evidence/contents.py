"""What a package says besides the ledger: the scope's reports, the policy versions in force
in the period with their rules, and the catalog entries and setting revisions they required."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from compliance import selectors as compliance
from compliance.models import ComplianceReport
from compliance.selectors import ComplianceFilters
from compliance.services import reports
from compliance.services.evidence.package import PackageWriter
from compliance.services.evidence.request import EvidenceRequest
from governance.models import Job
from platforms.models import Platform, PlatformSetting, SettingRevision
from policies.models import PolicyVersion


def _scaled(progress: Callable[..., None], *, base: float, share: float, label: str) -> Callable[..., None]:
    """A report build's progress (0 to 100) as a share of the package's."""

    def report_progress(done: float, total: float = 100, step: str = "") -> None:
        progress(base + share * done / (total or 100), step=f"{label}: {step}")

    return report_progress


def choose_reports(
    request: EvidenceRequest, *, job: Job, progress: Callable[..., None], built: list[int]
) -> list[ComplianceReport]:
    """One finished report per scope: the latest one of that scope built in the period, else one
    built now by the report builder (linked to this job, which then is its build)."""
    scopes = [ComplianceFilters(department=d) for d in request.departments] or [ComplianceFilters()]
    chosen = []
    for index, filters in enumerate(scopes):
        params = compliance.same_scope_params(filters)
        found = (
            ComplianceReport.objects.filter(
                job__status=Job.Status.DONE, filters=params, as_of__gte=request.starts_at, as_of__lt=request.ends_before
            )
            .order_by("-as_of", "-pk")
            .first()
        )
        if found is None:
            report = reports.create_report(
                requested_by=job.created_by,
                requested_by_label=job.created_by.email if job.created_by else "evidence package",
                trigger=ComplianceReport.Trigger.MANUAL,
                filters=params,
            )
            ComplianceReport.objects.filter(pk=report.pk).update(job=job)
            share = 40 / len(scopes)
            label = f"Report {index + 1} of {len(scopes)}"
            found, _ = reports.build_in_job(
                report_id=report.pk, progress=_scaled(progress, base=index * share, share=share, label=label)
            )
            built.append(found.pk)
        chosen.append(found)
    return chosen


def add_reports(writer: PackageWriter, chosen: list[ComplianceReport], built: list[int]) -> list[dict[str, Any]]:
    """Copy each report's PDF and CSV into the package, each checked against the hash the report
    recorded; the manifest's entry of each."""
    listed = []
    for report in chosen:
        entry: dict[str, Any] = {
            "report": report.pk,
            "title": str(report),
            "scope": report.scope,
            "as_of": report.as_of,
            "built_for_this_package": report.pk in built,
            "ledger_count": report.ledger_count,
            "ledger_head_hash": report.ledger_head_hash,
        }
        for kind, field, expected in (
            ("pdf", report.pdf_file, report.pdf_sha256),
            ("csv", report.csv_file, report.csv_sha256),
        ):
            name = f"reports/{report.file_stem}.{kind}"
            with field.open("rb") as source:
                actual = writer.copy(name, source)
            if actual != expected:
                raise ValidationError(
                    f"Report {report.pk}'s {kind.upper()} no longer matches its SHA-256; build a new one."
                )
            entry[kind] = name
        listed.append(entry)
    return listed


def versions_in_force(request: EvidenceRequest) -> list[PolicyVersion]:
    return list(
        PolicyVersion.objects.exclude(status=PolicyVersion.Status.DRAFT)
        .filter(published_at__lt=request.ends_before, effective_on__lte=request.end)
        .filter(Q(retired_at__isnull=True) | Q(retired_at__gte=request.starts_at))
        .select_related("policy")
        .prefetch_related("rules__platform", "rules__departments", "rules__required_settings__setting")
        .order_by("policy__name", "number")
    )


def policies_data(versions: list[PolicyVersion]) -> list[dict[str, Any]]:
    return [
        {
            "id": version.pk,
            "policy": {"id": version.policy_id, "name": version.policy.name, "slug": version.policy.slug},
            "number": version.number,
            "status": version.status,
            "title": version.title,
            "effective_on": version.effective_on,
            "published_at": version.published_at,
            "retired_at": version.retired_at,
            "attestation_interval_days": version.attestation_interval_days,
            "grace_period_days": version.grace_period_days,
            "reminder_offsets": version.reminder_offsets,
            "escalation_after_days": version.escalation_after_days,
            "text_markdown": version.body_markdown,
            "rules": [
                {
                    "id": rule.pk,
                    "platform": {"id": rule.platform_id, "name": rule.platform.name},
                    "stance": rule.stance,
                    "departments": [{"id": d.pk, "name": d.name} for d in rule.departments.all()],
                    "countries": rule.countries,
                    "customer_data_handlers_only": rule.customer_data_handlers_only,
                    "allowed_tiers": rule.allowed_tiers,
                    "data_classes": rule.data_classes,
                    "no_settings_needed": rule.no_settings_needed,
                    "notes": rule.notes,
                    "on_open": rule.on_open,
                    "fingerprint": rule.fingerprint,
                    "required_settings": [
                        {"setting": {"id": r.setting_id, "key": r.setting.key}, "required_value": r.required_value}
                        for r in rule.required_settings.all()
                    ],
                }
                for rule in version.rules.all()
            ],
        }
        for version in versions
    ]


PLATFORM_FIELDS = (
    "id", "slug", "name", "vendor", "category", "description", "website", "privacy_url",
    "consumer_trains_by_default", "business_trains_by_default", "no_opt_out", "no_opt_out_outside",
    "no_opt_out_note", "retention_notes", "regional_notes", "sources", "last_verified_on", "verified",
)  # fmt: skip
SETTING_FIELDS = (
    "id", "platform_id", "key", "label", "navigation_steps", "control_type", "values", "safe_value",
    "protects", "applies_to_tiers", "deep_link", "notes", "revision", "sources", "last_verified_on", "verified",
)  # fmt: skip
REVISION_FIELDS = (
    "id", "setting_id", "revision", "kind", "changed_fields", "old_label", "new_label", "reason", "created_at",
)  # fmt: skip


def catalog_data(versions: list[PolicyVersion], request: EvidenceRequest) -> dict[str, Any]:
    """The tools the rules name and the settings they required, with every revision of those
    settings up to the period's end (what each revision number meant)."""
    platform_ids = {rule.platform_id for version in versions for rule in version.rules.all()}
    setting_ids = {
        required.setting_id
        for version in versions
        for rule in version.rules.all()
        for required in rule.required_settings.all()
    }
    return {
        "platforms": list(Platform.objects.filter(pk__in=platform_ids).order_by("id").values(*PLATFORM_FIELDS)),
        "settings": list(PlatformSetting.objects.filter(pk__in=setting_ids).order_by("id").values(*SETTING_FIELDS)),
        "setting_revisions": list(
            SettingRevision.objects.filter(setting_id__in=setting_ids, created_at__lt=request.ends_before)
            .order_by("setting_id", "created_at", "id")
            .values(*REVISION_FIELDS)
        ),
    }

from django.db import migrations, models


def describe_old_reports(apps, schema_editor):
    """Give reports built before the scope was stored a description from their filters, by
    name (the departments, tools and versions still there), as the scope selector words it."""
    Report = apps.get_model("compliance", "ComplianceReport")
    Department = apps.get_model("people", "Department")
    Platform = apps.get_model("platforms", "Platform")
    for report in Report.objects.filter(scope=""):
        filters = report.filters or {}
        parts = []
        department = str(filters.get("department") or "")
        if department == "none":
            parts.append("People without a department")
        elif department.isdigit():
            name = Department.objects.filter(pk=int(department)).values_list("name", flat=True).first()
            if name:
                direct = str(filters.get("direct") or "") in {"1", "true", "on", "yes"}
                parts.append(f"{name} (direct members only)" if direct else f"{name} and sub-departments")
        platform = str(filters.get("platform") or "")
        if platform.isdigit():
            name = Platform.objects.filter(pk=int(platform)).values_list("name", flat=True).first()
            if name:
                parts.append(f"Tool: {name}")
        if filters.get("country"):
            parts.append(f"Country: {str(filters['country']).upper()}")
        if str(filters.get("customer_data") or "") in {"1", "true", "on", "yes"}:
            parts.append("Customer-data handlers only")
        report.scope = (" · ".join(parts) or "Whole organization")[:200]
        report.save(update_fields=["scope"])


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("people", "0001_initial"),
        ("platforms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="compliancereport",
            name="scope",
            field=models.CharField(
                blank=True,
                help_text="What the figures cover, in words (compliance.selectors.scope_label).",
                max_length=200,
            ),
        ),
        migrations.RunPython(describe_old_reports, migrations.RunPython.noop),
    ]

from django.db import migrations, models

from platforms.citations import as_citation


def sources_to_citations(apps, schema_editor):
    """Rows and their last-loaded snapshots held seed file names or URLs: store citations."""
    for model_name in ("Platform", "PlatformSetting"):
        model = apps.get_model("platforms", model_name)
        changed = []
        for row in model.objects.all().only("id", "sources", "catalog_snapshot"):
            row.sources = [as_citation(source) for source in row.sources or []]
            if isinstance(row.catalog_snapshot, dict) and "sources" in row.catalog_snapshot:
                row.catalog_snapshot["sources"] = [as_citation(s) for s in row.catalog_snapshot["sources"] or []]
            changed.append(row)
        model.objects.bulk_update(changed, ["sources", "catalog_snapshot"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("platforms", "0003_catalog_snapshot_replaces_fingerprint"),
    ]

    operations = [
        migrations.AddField(
            model_name="platform",
            name="sources_disagree",
            field=models.TextField(
                blank=True,
                help_text="Where the sources contradict each other (or the catalog), and what the catalog chose.",
            ),
        ),
        migrations.AddField(
            model_name="platform",
            name="unsourced",
            field=models.TextField(blank=True, help_text="Details of this entry that no cited source states."),
        ),
        migrations.AddField(
            model_name="platformsetting",
            name="sources_disagree",
            field=models.TextField(
                blank=True,
                help_text="Where the sources contradict each other (or the catalog), and what the catalog chose.",
            ),
        ),
        migrations.AddField(
            model_name="platformsetting",
            name="unsourced",
            field=models.TextField(blank=True, help_text="Details of this entry that no cited source states."),
        ),
        migrations.AlterField(
            model_name="platform",
            name="sources",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Citations: publisher, title, published date, address, kind and the date each was checked (platforms/citations.py).",
            ),
        ),
        migrations.AlterField(
            model_name="platformsetting",
            name="sources",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Citations: publisher, title, published date, address, kind and the date each was checked (platforms/citations.py).",
            ),
        ),
        migrations.RunPython(sources_to_citations, migrations.RunPython.noop),
    ]

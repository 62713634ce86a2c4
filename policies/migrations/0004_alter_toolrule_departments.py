"""A rule's departments are people.Department now (the same table), without touching the data: the state moves, the tables keep their names."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0001_initial'),
        ('policies', '0003_rule_terms'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (Meta.db_table keeps their names); only Django's
            # idea of which app owns each model changes.
            state_operations=[
                migrations.AlterField(
                    model_name='toolrule',
                    name='departments',
                    field=models.ManyToManyField(blank=True, related_name='rules', to='people.department'),
                ),
            ],
            database_operations=[],
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("governance", "0016_drop_redundant_open_dept_platform_index")]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="email_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0009_site_contact_details_and_organiser_messages"),
    ]

    operations = [
        # The title was the module's; it is now the module's or the course's (data kept).
        migrations.RenameField(model_name="certificate", old_name="module_title", new_name="title"),
        migrations.AddField(
            model_name="certificate",
            name="kind",
            field=models.CharField(
                choices=[("elearning", "E-learning"), ("attendance", "Course attendance")],
                default="elearning",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="certificate",
            name="first_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="last_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="sessions_attended",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="sessions_total",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="learning_minutes",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="certificate",
            name="for_professionals",
            field=models.BooleanField(default=False),
        ),
    ]

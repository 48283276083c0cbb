import uuid

import django.db.models.deletion
from django.db import migrations, models


# Written out here rather than imported, so the migration stays as it ran (docs/architecture.md).
def first_organisation(apps, schema_editor):
    """An installation that predates organisations becomes one organisation with one unit,
    under health care (the rules it applied until now: records kept at least ten years)."""
    Organisation = apps.get_model("organisations", "Organisation")
    Unit = apps.get_model("organisations", "Unit")
    organisation, _ = Organisation.objects.get_or_create(
        slug="omtag", defaults={"name": "Omtag", "regime": "health_care"}
    )
    unit, _ = Unit.objects.get_or_create(
        organisation=organisation, slug="enheten", defaults={"name": "Enheten"}
    )
    organisation.help_unit = unit
    organisation.save(update_fields=["help_unit"])


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Organisation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("slug", models.SlugField(max_length=60, unique=True, verbose_name="short name in addresses")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("regime", models.CharField(choices=[("social_services", "Social services (socialtjänstlagen)"), ("health_care", "Health care (patientdatalagen)")], max_length=20, verbose_name="the law it works under")),
                ("sender_name", models.CharField(blank=True, max_length=80, verbose_name="sender name in emails")),
                ("min_group", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="smallest group the report shows")),
                ("retention_years", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="years a record is kept after its last entry")),
                ("keeps_all_for_research", models.BooleanField(default=False, verbose_name="all records are kept for research (whole municipality)")),
                ("staff_names_in_extract", models.BooleanField(default=False, verbose_name="staff names in a person's log extract")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "organisation",
                "verbose_name_plural": "organisations",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Unit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("slug", models.SlugField(max_length=60, verbose_name="short name in addresses")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("organisation", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="units", to="organisations.organisation")),
            ],
            options={
                "verbose_name": "unit",
                "verbose_name_plural": "units",
                "ordering": ["organisation__name", "name"],
                "constraints": [models.UniqueConstraint(fields=("organisation", "slug"), name="unit_slug_per_org")],
            },
        ),
        migrations.AddField(
            model_name="organisation",
            name="help_unit",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="organisations.unit", verbose_name="unit that receives requests for help"),
        ),
        migrations.RunPython(first_organisation, migrations.RunPython.noop),
    ]

"""The seeded instruments (measures/instruments.py): PHQ-9, GAD-7, AUDIT and the violence and
control checklist. Idempotent: written by key, so running it again duplicates nothing."""

from django.db import migrations


def seed(apps, schema_editor):
    from measures.instruments import seed_instruments

    seed_instruments(
        apps.get_model("measures", "Instrument"), apps.get_model("measures", "InstrumentItem")
    )


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_instrumentitem_flag_from")]

    # Reversing leaves the instruments: responses may point at them.
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

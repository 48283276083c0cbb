# Every row got its unit in the migration before; from here on none may lack one. A separate
# migration, so PostgreSQL does not alter the table in the transaction that filled it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("modules", "0008_enrollment_unit"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enrollment",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.unit",
            ),
        ),
    ]

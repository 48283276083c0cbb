from django.db import migrations


def create_threads(apps, schema_editor):
    Enrollment = apps.get_model("modules", "Enrollment")
    Thread = apps.get_model("messaging", "Thread")
    import uuid

    have = set(Thread.objects.values_list("enrollment_id", flat=True))
    Thread.objects.bulk_create(
        Thread(enrollment_id=pk, public_id=uuid.uuid4())
        for pk in Enrollment.objects.exclude(pk__in=have).values_list("pk", flat=True)
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create_threads, migrations.RunPython.noop)]

"""On PostgreSQL, every insert into the task queue sends NOTIFY omtag_tasks (delivered when it
commits), so an idle worker is woken without a round trip of the enqueue's own
(worker/wake.py). Nothing on other databases."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION omtag_tasks_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('omtag_tasks', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER omtag_tasks_notify AFTER INSERT ON django_tasks_database_dbtaskresult
    FOR EACH STATEMENT EXECUTE FUNCTION omtag_tasks_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS omtag_tasks_notify ON django_tasks_database_dbtaskresult;
DROP FUNCTION IF EXISTS omtag_tasks_notify();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("worker", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop)]

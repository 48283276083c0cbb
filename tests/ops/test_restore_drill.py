"""The restore drill (docs/deployment.md, "Backups and restore"): participants, answers and
messages are dumped with `pg_dump -Fc`, restored with `pg_restore` into a fresh database,
and the app, pointed at the restored database in a process of its own, finds and serves the
same participants, answers and messages. The restored database is dropped at the end.

PostgreSQL only (CI's second pass), as tests/messaging/test_two_servers.py is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Role
from messaging.models import Message, Thread
from modules.models import Answer
from tests.helpers import enroll, make_programme, make_user, modules_of, save_answer, send

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

pytestmark = [
    pytest.mark.skipif(
        not IS_POSTGRES, reason="pg_dump and pg_restore need a PostgreSQL DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]

REPO = Path(__file__).resolve().parents[2]
MARKER = "restore-drill-marker"

# Run by the app against the restored database: what it finds, and what its pages show.
CHECK = """
import json, os, sys
import django
django.setup()
from accounts.models import User
from messaging.models import Message, Thread
from modules.models import Answer
from tests.helpers import verified_client

expected = json.loads(sys.argv[1])
found = {
    "participants": sorted(
        User.objects.filter(email__in=expected["participants"]).values_list("email", flat=True)
    ),
    "answers": sorted(
        [str(a.block_id), a.value] for a in Answer.objects.filter(value__icontains="MARKER")
    ),
    "messages": sorted(
        [str(m.client_id), m.body] for m in Message.objects.filter(body__icontains="MARKER")
    ),
    "pages": [],
}
for email, thread_id, enrollment_id, therapist in expected["pages"]:
    page = verified_client(User.objects.get(email=email)).get(f"/messages/{thread_id}/")
    staff = verified_client(User.objects.get(email=therapist))
    answers = staff.get(f"/therapist/participants/{enrollment_id}/answers/")
    found["pages"].append(
        [page.status_code, page.content.decode().count("MARKER"),
         answers.status_code, answers.content.decode().count("MARKER")]
    )
print("RESULT " + json.dumps(found))
""".replace("MARKER", MARKER)


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "127.0.0.1"),
            "PGPORT": str(db.get("PORT") or "5432"),
            "PGUSER": str(db.get("USER") or "postgres"),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _url_for(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{quote(str(db['USER']), safe='')}{password}@{host}:{port}/{name}"


def test_dump_restore_and_the_app_serves_the_same_data(
    tmp_path, django_capture_on_commit_callbacks
):
    therapist = make_user("drill-therapist@example.org", [Role.THERAPIST])
    programme = make_programme(modules=1, answers_per_module=2)
    expected: dict[str, list] = {"participants": [], "answers": [], "messages": [], "pages": []}
    for n in range(3):
        person = make_user(f"drill-{n}@example.org", [Role.PARTICIPANT])
        enrollment = enroll(person, therapist, programme)
        module = modules_of(programme)[0]
        block = next(b for b in module.body if b.block_type != "text")
        value = f"answer {n} {MARKER}"
        save_answer(person, enrollment, module, block.id, value)
        thread = Thread.objects.get(enrollment=enrollment)
        for k in range(2):
            client_id = str(uuid.uuid4())
            author = person if k == 0 else therapist
            send(author, thread, f"message {n}.{k} {MARKER}", client_id=client_id)
            expected["messages"].append([client_id, f"message {n}.{k} {MARKER}"])
        expected["participants"].append(person.email)
        expected["answers"].append([str(block.id), value])
        expected["pages"].append(
            [person.email, str(thread.public_id), str(enrollment.public_id), therapist.email]
        )
    assert Message.objects.filter(body__icontains=MARKER).count() == 6
    assert Answer.objects.filter(value__icontains=MARKER).count() == 3

    source = settings.DATABASES["default"]["NAME"]
    restored = f"{source}_restored_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "omtag.dump"
    env = _pg_env()
    subprocess.run(
        ["/usr/bin/pg_dump", "-Fc", "--no-owner", f"--file={dump}", source],
        env=env,
        check=True,
        timeout=120,
    )
    assert dump.stat().st_size > 0
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            ["/usr/bin/pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", dump],
            env=env,
            check=True,
            timeout=180,
        )
        check = subprocess.run(
            [sys.executable, "-c", CHECK, json.dumps(expected)],
            cwd=REPO,
            env={
                **os.environ,
                "DATABASE_URL": _url_for(restored),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "PYTHONPATH": os.pathsep.join([str(REPO / "platform"), str(REPO)]),
                "LOG_LEVEL": "WARNING",
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert check.returncode == 0, check.stderr[-3000:]
        line = next(x for x in check.stdout.splitlines() if x.startswith("RESULT "))
        found = json.loads(line.removeprefix("RESULT "))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
    assert found["participants"] == sorted(expected["participants"])
    assert found["answers"] == sorted(expected["answers"])
    assert found["messages"] == sorted(expected["messages"])
    for status, messages_shown, answers_status, answers_shown in found["pages"]:
        assert status == 200 and messages_shown == 2  # the person's own two messages
        assert answers_status == 200 and answers_shown == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [restored])
        assert cursor.fetchone() == (0,)

"""The report's page and exports: who may open them, what they show, what the files hold,
that every read is logged, and that the page's query count does not grow with the data."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from measures.models import Occasion
from messaging.models import Side
from modules.models import ModuleState
from reports.exports import pseudonym
from tests.helpers import (
    LOGIN,
    SECOND_FACTOR,
    at,
    client_as,
    csv_sections,
    instrument,
    message,
    outcome_of,
    person,
    progress,
    reach,
    referral,
    respond,
    verified_client,
)

pytestmark = pytest.mark.django_db

URL = "/reports/"
PAGES = (URL, "/reports/export.csv", "/reports/export.xlsx")
QUERY = "?start=2026-01-01&end=2026-06-30"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def lead(user) -> Client:
    """A verified client reading in English (the interface's default is Swedish)."""
    client = verified_client(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Who may open what ---------------------------------------------------------------------------


def test_urls_are_where_the_navigation_says():
    assert reverse("reports:report") == URL
    assert [reverse(f"reports:{n}") for n in ("export_csv", "export_xlsx")] == list(PAGES[1:])


@pytest.mark.parametrize("path", PAGES)
def test_role_page_matrix(path, cast, clinical_lead, org_lead):
    people = {**cast, "clinical_lead": clinical_lead, "org_lead": org_lead}
    got = {
        who: outcome_of(client_as(who, people, unverified_as="org_lead").get(path))
        for who in [*people, "anonymous", "unverified"]
    }
    assert got == {
        "org_lead": 200,
        "admin": 200,
        "participant": 404,
        "therapist": 404,
        "other_therapist": 404,
        "editor": 404,
        "partner_worker": 404,
        "clinical_lead": 404,
        "anonymous": LOGIN,
        "unverified": SECOND_FACTOR,
    }


def test_the_navigation_shows_the_report(org_lead, admin_user, therapist):
    assert 'href="/reports/"' in verified_client(org_lead).get(URL).content.decode()
    assert 'href="/reports/"' in verified_client(admin_user).get(URL).content.decode()
    # The lead's start page is the report.
    assert verified_client(org_lead).get("/")["Location"] == URL
    page = verified_client(therapist).get(reverse("therapist:home")).content.decode()
    assert 'href="/reports/"' not in page


# --- The page ------------------------------------------------------------------------------------


@pytest.fixture
def world(programme, therapist):
    """Five people referred and enrolled in February 2026, all through module 1, two through
    module 3, one completed; five PHQ-9 pairs at the end; one answered message."""
    phq = instrument("phq9")
    people = []
    for i in range(5):
        enrollment = person(programme, therapist, created=at("2026-02-02"))
        referral(
            at("2026-02-01"),
            screened_by=therapist,
            enrollment=enrollment,
            first_contact=at("2026-02-02"),
        )
        reach(enrollment, 3 if i < 2 else 1, completed_through=1)
        respond(enrollment, phq, Occasion.INTAKE, 20, at("2026-02-02"))
        respond(enrollment, phq, Occasion.COMPLETION, 10 + i, at("2026-04-01"))
        people.append(enrollment)
    people[0].status = "completed"
    people[0].save(update_fields=["status"])
    message(people[0].thread, Side.PARTICIPANT, at("2026-02-03", "10:00"))
    message(people[0].thread, Side.TEAM, at("2026-02-03", "12:00"))
    return people


def test_the_page_shows_the_funnel_outcomes_and_service(world, org_lead):
    response = lead(org_lead).get(URL + QUERY)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="img"' in page and "<figcaption" in page
    assert 'id="funnel-caption"' in page and 'id="improved-caption"' in page
    assert "Reached module 3" in page
    assert "2.0 hours" in page  # the one answer took two hours
    assert 'href="/reports/export.csv?start=2026-01-01&amp;end=2026-06-30"' in page
    # Nothing about one person: no names, no email addresses.
    for enrollment in world:
        assert enrollment.participant.display_name not in page
        assert enrollment.participant.email not in page


def test_small_groups_read_fewer_than_five(world, org_lead):
    """The 3-month follow-up of four people shows "fewer than 5", never their figures."""
    phq = world[0].measure_responses.first().instrument
    for enrollment in world[:4]:
        respond(enrollment, phq, Occasion.FOLLOWUP_3, 3, at("2026-05-01"))
    page = lead(org_lead).get(URL + QUERY).content.decode()
    row = next(r for r in page.split("<tr>") if ">PHQ9<" in r and "Three months after" in r)
    assert row.count("fewer than 5") == 5
    assert ">4<" not in row


def test_the_default_period_is_filled_in(org_lead):
    from reports.selectors import default_period

    page = verified_client(org_lead).get(URL).content.decode()
    assert f'value="{default_period().start.isoformat()}"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?start=2026-13-01&end=2026-06-30", "Enter a date as year-month-day"),
        ("?start=yesterday&end=", "Enter a date as year-month-day"),
        ("?start=2026-06-30&end=2026-01-01", "must start on or before the day it ends"),
        ("?start=1899-01-01&end=2026-01-01", "between the years 2000 and 2100"),
    ],
)
def test_bad_dates_say_so_and_keep_the_input(query, message, org_lead):
    response = lead(org_lead).get(URL + query)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    typed = query.split("&")[0].removeprefix("?start=")
    assert f'value="{typed}"' in page
    assert "From referral to completed treatment" not in page  # no figures for a bad period
    export = lead(org_lead).get("/reports/export.csv" + query)
    assert export.status_code == 400 and message in export.content.decode()


def test_every_view_and_export_is_logged(world, org_lead):
    client = verified_client(org_lead)
    for path in PAGES:
        client.get(path + QUERY)
    events = AuditEvent.objects.filter(actor=org_lead, target_type="report").order_by("id")
    assert [e.detail for e in events] == ["report", "report csv", "report xlsx"]
    assert {e.target_id for e in events} == {"2026-01-01..2026-06-30"}
    assert all(e.subject_id is None for e in events)


# --- Exports -------------------------------------------------------------------------------------


def _forbidden(world) -> list[str]:
    words = []
    for enrollment in world:
        words += [
            enrollment.participant.display_name,
            enrollment.participant.email,
            str(enrollment.public_id),
            str(enrollment.participant.public_id),
            enrollment.referral.name,
            enrollment.referral.phone,
        ]
    return words


def test_csv_export(world, org_lead):
    response = lead(org_lead).get("/reports/export.csv" + QUERY)
    assert response["Content-Type"].startswith("text/csv")
    assert "omtag-report-20260101-20260630.csv" in response["Content-Disposition"]
    text = response.content.decode()
    assert not UUID.search(text) and "@" not in text
    assert not [w for w in _forbidden(world) if w in text]
    sections = csv_sections(response.content)
    assert list(sections) == [
        "period",
        "funnel",
        "outcomes",
        "service",
        "unlocks",
        "meetings",
        "enrollments",
    ]
    funnel = {row[0]: row[2] for row in sections["funnel"][1:]}
    assert funnel["referred"] == "5" and funnel["module_3"] == "2" and funnel["completed"] == "1"
    outcomes = {(r[0], r[1]): r for r in sections["outcomes"][1:]}
    # intake 20 each, end 10..14: mean 12, change −8, all improved by ≥ 5.
    assert outcomes[("phq9", "completion")][2:8] == ["5", "20.0", "12.0", "-8.0", "5", "1.0"]
    assert outcomes[("phq9", "followup_3")][2] == "0"
    header, *rows = sections["enrollments"]
    assert header[:8] == [
        "pseudonym",
        "referral_source",
        "referral_month",
        "enrolled_month",
        "started_month",
        "status",
        "ended_month",
        "furthest_module",
    ]
    assert sorted(r[0] for r in rows) == sorted(pseudonym(e.pk) for e in world)
    first = next(r for r in rows if r[0] == pseudonym(world[0].pk))
    by_column = dict(zip(header, first, strict=True))
    assert by_column["referral_source"] == "social_services"
    assert by_column["referral_month"] == "2026-02" and by_column["furthest_module"] == "3"
    assert by_column["phq9 intake"] == "20" and by_column["phq9 completion"] == "10"
    assert by_column["status"] == "completed"


def test_xlsx_export_and_stable_pseudonyms(world, org_lead):
    client = lead(org_lead)
    books = []
    for _ in range(2):
        response = client.get("/reports/export.xlsx" + QUERY)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        books.append(load_workbook(io.BytesIO(response.content), read_only=True))
    book = books[0]
    assert book.sheetnames == [
        "period",
        "funnel",
        "outcomes",
        "service",
        "unlocks",
        "meetings",
        "enrollments",
    ]
    cells = [
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    text = "\n".join(cells)
    assert not UUID.search(text) and "@" not in text
    assert not [w for w in _forbidden(world) if w in text]
    funnel = {row[0]: row[2] for row in book["funnel"].iter_rows(min_row=2, values_only=True)}
    assert funnel["referred"] == 5 and funnel["screened"] == 5 and funnel["module_1"] == 5

    def pseudonyms(b):
        return [row[0] for row in b["enrollments"].iter_rows(min_row=2, values_only=True)]

    assert pseudonyms(books[0]) == pseudonyms(books[1])
    assert sorted(pseudonyms(books[0])) == sorted(pseudonym(e.pk) for e in world)


def test_suppressed_figures_in_the_exports(world, org_lead):
    phq = world[0].measure_responses.first().instrument
    for enrollment in world[:4]:
        respond(enrollment, phq, Occasion.FOLLOWUP_3, 3, at("2026-05-01"))
    sections = csv_sections(lead(org_lead).get("/reports/export.csv" + QUERY).content)
    row = next(r for r in sections["outcomes"] if r[:2] == ["phq9", "followup_3"])
    assert row[2:8] == ["fewer than 5"] * 6


def test_a_formula_is_written_as_text(world, org_lead, therapist):
    """An instrument key cannot start with "=", but a module title (a step's note) can."""
    from content.models import ModulePage

    ModulePage.objects.filter(title="Module 1").update(title="=HYPERLINK(1)")
    text = lead(org_lead).get("/reports/export.csv" + QUERY).content.decode()
    assert "'=HYPERLINK(1)" in text


# --- Queries -------------------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _grow(programme, therapist, n: int, offset: int) -> None:
    phq = instrument(f"extra{offset}")
    for i in range(n):
        enrollment = person(programme, therapist, created=at("2026-03-01"))
        referral(at("2026-03-01"), screened_by=therapist, enrollment=enrollment)
        reach(enrollment, 2, completed_through=1)
        progress(enrollment, 1, ModuleState.COMPLETED, completed_at=at("2026-03-05"))
        respond(enrollment, phq, Occasion.INTAKE, 10, at("2026-03-01"))
        respond(enrollment, phq, Occasion.COMPLETION, i, at("2026-04-01"))
        message(enrollment.thread, Side.PARTICIPANT, at("2026-03-02"))
        message(enrollment.thread, Side.TEAM, at("2026-03-03"))


@pytest.mark.parametrize("path", PAGES)
def test_query_count_does_not_grow_with_the_data(path, programme, therapist, org_lead):
    client = verified_client(org_lead)
    _grow(programme, therapist, 1, 0)
    client.get(path + QUERY)  # sessions and caches settle
    small = _queries(client, path + QUERY)
    _grow(programme, therapist, 12, 1)
    assert _queries(client, path + QUERY) == small


def test_nothing_from_partner_contact_is_imported():
    """The report reads the treatment's own records only (docs/architecture.md: nothing
    imports partner)."""
    from pathlib import Path

    import reports

    source = "\n".join(p.read_text() for p in Path(reports.__file__).parent.rglob("*.py"))
    assert not re.search(r"^\s*(from|import) partner", source, re.M)


def test_the_page_explains_how_meetings_are_counted(world, org_lead):
    """The report counts meetings held, missed and cancelled late; its "How these are counted"
    says what those are, in Swedish and in English."""
    page = lead(org_lead).get(URL + QUERY).content.decode()
    explained = page.split("How these are counted", 1)[-1].split("</details>", 1)[0]
    assert "held, " in page and "Meetings: the booked meetings that started in the period" in (
        explained
    )
    assert "cancelled beforehand is not counted" in explained
    assert "no outcome recorded yet" in explained
    client = lead(org_lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish = client.get(URL + QUERY).content.decode()
    assert "Möten: de bokade möten som började under perioden" in swedish

"""Journey: partner contact, and the wall around it (issue 7).

A partner-contact worker records the participant's two consents, opens a case for the
partner, logs a conversation, makes a risk assessment with level high and shares the level;
fills in a safety plan and prints it. The therapist then sees a risk signal from partner
contact (level and date, no text) and cannot open the case. The participant sees nothing new
at all: every page they can reach, and their access-log download, is the same before and
after, apart from tokens and times (safety rule 1)."""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from audit.models import AuditEvent
from modules.services import enrollment_create, enrollment_start
from partner.models import PartnerCase, RiskAssessment, RiskItem
from tests.helpers import (
    SERVER_LOCK,
    log_in,
    log_out,
    make_programme,
    path_is,
    screenshot,
    user_with_key,
)

pytestmark = pytest.mark.browser

THERAPIST_KEY = "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4"
PARTICIPANT_KEY = "b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4"
WORKER_KEY = "c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4"

MARK = "MARKER-7f3a-"
# Every text field the worker fills in holds its own marker, so a leak says where it came
# from. The phone number is one too: it is the partner's most dangerous detail to leak.
CASE_TEXT = {
    "name": MARK + "name",
    "phone": MARK + "phone",
    "address": MARK + "address",
    "contact_channel": MARK + "channel",
    "safe_times": MARK + "safe-times",
    "code_word": MARK + "case-code-word",
    "contact_notes": MARK + "contact-notes",
}
TALK_TEXT = {"notes": MARK + "talk-notes", "pass_on_what": MARK + "pass-on"}
ASSESSMENT_TEXT = {"description": MARK + "description"}
PLAN_TEXT = {
    "safe_places": MARK + "plan-safe-places",
    "people_to_call": MARK + "plan-people",
    "essentials": MARK + "plan-essentials",
    "children_plan": MARK + "plan-children",
    "code_word": MARK + "plan-code-word",
    "when_to_call_112": MARK + "plan-112",
    "other": MARK + "plan-other",
}
YES_ITEMS = ["s_afraid", "s_threat", "x_suicide"]

# --- What may differ between two renderings of the same page --------------------------------

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NORMALISE: list[tuple[re.Pattern[str], str]] = [
    # Django's form token, masked afresh on every render.
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")'), r"\1CSRF\2"),
    (re.compile(r'(<meta name="csrf[-_]token" content=")[^"]*(")'), r"\1CSRF\2"),
    (re.compile(r'(nonce=")[^"]*(")'), r"\1NONCE\2"),
    # A message form's idempotency key: a new uuid on every render.
    (re.compile(r'(name="client_id" value=")' + UUID + '(")'), r"\1CLIENT-ID\2"),
    # Times: machine-readable and visible.
    (re.compile(r'(<time[^>]*datetime=")[^"]*("[^>]*>)[^<]*(</time>)'), r"\1TIME\2TIME\3"),
    # A token in the socket's address, if the page carries one.
    (re.compile(r'(data-socket="[^"?]*)\?[^"]*(")'), r"\1?TOKEN\2"),
    # The socket's state, which the messages script writes in when it can (the live server
    # speaks no WebSocket, so it says "reconnecting" – sooner or later).
    (re.compile(r'(<p id="connection-status"[^>]*>)[^<]*(</p>)'), r"\1STATUS\2"),
]


def normalised(html: str) -> str:
    for pattern, replacement in NORMALISE:
        html = pattern.sub(replacement, html)
    return html


def first_difference(before: str, after: str) -> str:
    import difflib

    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=2
    )
    return "\n".join(list(diff)[:60])


# --- The participant's side, all of it -------------------------------------------------------

# Links that are not pages of this site for the participant: the CMS, uploaded files.
SKIP_PREFIXES = ("/cms/", "/documents/", "/media/", "/static/", "/i18n/")


def participant_pages(page: Page, base_url: str) -> dict[str, tuple[str, str]]:
    """Every page reachable by links from the participant's home (the header's navigation and
    the pages' own links, to any depth), keyed by path: (the server's HTML, the DOM after
    scripts ran). The access-log CSV is kept out: it is compared on its own."""
    pages: dict[str, tuple[str, str]] = {}
    queue = deque(["/participant/"])
    seen = set(queue)
    while queue:
        path = queue.popleft()
        response = page.goto(base_url + path)
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        final = urlsplit(page.url)
        key = final.path + (f"?{final.query}" if final.query else "")
        if key in pages:
            continue
        pages[key] = (response.text(), page.content())
        assert len(pages) < 60, "the crawl does not end: " + ", ".join(sorted(pages))
        hrefs = page.eval_on_selector_all(
            "header a[href], main a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        for href in hrefs:
            url = urlsplit(urljoin(base_url + key, href))
            if f"{url.scheme}://{url.netloc}" != base_url:
                continue  # tel:, mailto:, other sites (the help box's crisis lines)
            target = url.path + (f"?{url.query}" if url.query else "")
            if target.endswith(".csv") or target.startswith(SKIP_PREFIXES) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return pages


def access_log(page: Page, base_url: str) -> bytes:
    response = page.request.get(base_url + "/account/security/access-log.csv")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    return response.body()


def assert_no_marker(text: str, where: str) -> None:
    assert MARK not in text, f"a partner-case marker reached {where}"


# --- The journey -----------------------------------------------------------------------------


def test_partner_contact_crosses_only_a_risk_level(page: Page, base_url: str) -> None:
    with SERVER_LOCK:
        # The instrument is a data migration, put back by the conftest after earlier flushes.
        assert RiskItem.objects.filter(key__in=YES_ITEMS).count() == len(YES_ITEMS)

        therapist = user_with_key("t@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        robin = user_with_key(
            "robin@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Robin"
        )
        worker = user_with_key("w@example.org", [Role.PARTNER_WORKER], WORKER_KEY, name="Wilma")
        programme = make_programme(modules=3)
        enrollment = enrollment_create(
            actor=therapist, participant=robin, programme=programme, therapist=therapist
        )
        enrollment_start(enrollment=enrollment)
    today = timezone.localdate().isoformat()

    # 1. Before: the participant's every page, and their access log.
    log_in(page, base_url, robin.email, PARTICIPANT_KEY)
    before = participant_pages(page, base_url)
    # The pages the issue names are among them.
    for path in ["/participant/", "/participant/modules/", "/participant/checkin/"]:
        assert path in before, f"{path} not reached from the participant's navigation"
    assert "/messages/" in before or any(p.startswith("/messages/") for p in before)
    assert "/account/security/" in before
    assert any(re.fullmatch(r"/participant/modules/[^/]+/", p) for p in before)
    assert any(re.fullmatch(rf"/messages/{UUID}/", p) for p in before)
    log_before = access_log(page, base_url)
    log_out(page, base_url)

    # 2. The worker: consents, the case, a conversation, an assessment shared, a safety plan.
    log_in(page, base_url, worker.email, WORKER_KEY)
    page.locator("header nav").get_by_role("link", name="Partnerkontakt").click()
    path_is(page, base_url, "/partner/")
    page.locator("section[aria-labelledby=treatments-title]").get_by_role(
        "link", name="Robin"
    ).click()
    path_is(page, base_url, f"/partner/participants/{enrollment.public_id}/")

    for kind in ("inform", "share"):
        form = page.locator("form[action$='/consents/']")
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=given_on]").fill(today)
        form.locator("button[type=submit]").click()
        path_is(page, base_url, f"/partner/participants/{enrollment.public_id}/")
        expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("form[action*='/withdraw/']")).to_have_count(2)
    screenshot(page, "partner-enrollment.png")

    form = page.locator("form[action$='/open-case/']")
    for field, value in CASE_TEXT.items():
        form.locator(f"[name={field}]").fill(value)
    form.locator("select[name=may_leave_message]").select_option("no")
    form.locator("input[name=protected_identity]").check()
    form.locator("button[type=submit]").click()
    with SERVER_LOCK:
        case = PartnerCase.objects.get(enrollment=enrollment)
    case_url = f"/partner/cases/{case.public_id}/"
    path_is(page, base_url, case_url)
    main = page.locator("main")
    expect(main.locator("h1")).to_contain_text(CASE_TEXT["name"])
    for value in CASE_TEXT.values():
        expect(main).to_contain_text(value)

    # A conversation, from the case page.
    main.locator(f"a[href='{case_url}conversations/new/']").click()
    path_is(page, base_url, f"{case_url}conversations/new/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=held_on]").fill(today)
    form.locator("select[name=form]").select_option("phone")
    form.locator("input[name=minutes]").fill("30")
    form.locator("textarea[name=notes]").fill(TALK_TEXT["notes"])
    form.locator("input[name=pass_on_requested]").check()
    form.locator("textarea[name=pass_on_what]").fill(TALK_TEXT["pass_on_what"])
    form.locator("button[type=submit]").click()
    path_is(page, base_url, case_url)
    expect(main).to_contain_text(TALK_TEXT["notes"])
    expect(main).to_contain_text(TALK_TEXT["pass_on_what"])

    # A risk assessment: a few items answered yes, level high.
    main.locator(f"a[href='{case_url}assessments/new/']").click()
    path_is(page, base_url, f"{case_url}assessments/new/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=assessed_on]").fill(today)
    for key in YES_ITEMS:
        form.locator(f"input[name='item-{key}'][value=yes]").check()
    form.locator("select[name='item-d_physical']").select_option("weekly")
    form.locator("textarea[name=description]").fill(ASSESSMENT_TEXT["description"])
    form.locator("select[name=level]").select_option("high")
    screenshot(page, "partner-assessment-form.png")
    form.locator("button[type=submit]").click()
    path_is(page, base_url, case_url)
    with SERVER_LOCK:
        assessment = RiskAssessment.objects.get(case=case)
        assert assessment.level == "high"
        assert {k for k, v in assessment.answers.items() if v == "yes"} == set(YES_ITEMS)
        assert assessment.shared_at is None

    share = page.locator(f"form[action$='/assessments/{assessment.public_id}/share/']")
    share.locator("button[type=submit]").click()
    path_is(page, base_url, case_url)
    expect(page.locator(".message-success")).to_be_visible()
    expect(share).to_have_count(0)  # shared once; the button is gone
    with SERVER_LOCK:
        assessment.refresh_from_db()
        assert assessment.shared_at is not None and assessment.shared_by == worker
    screenshot(page, "partner-case.png")

    # The safety plan, and its clean printable page.
    main.locator(f"a[href='{case_url}safety-plan/']").click()
    path_is(page, base_url, f"{case_url}safety-plan/")
    form = page.locator("main form[method=post]")
    for field, value in PLAN_TEXT.items():
        form.locator(f"[name={field}]").fill(value)
    form.locator("button[type=submit]").click()
    path_is(page, base_url, case_url)
    main.locator(f"a[href='{case_url}safety-plan/print/']").click()
    path_is(page, base_url, f"{case_url}safety-plan/print/")
    for value in PLAN_TEXT.values():
        expect(page.locator("main")).to_contain_text(value)
    printed = page.content()
    plan_values = set(PLAN_TEXT.values())
    for value in [*CASE_TEXT.values(), *TALK_TEXT.values(), *ASSESSMENT_TEXT.values()]:
        if value not in plan_values:
            assert value not in printed, f"the printed plan shows {value}"
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("header")).to_have_count(0)
    assert "Partnerkontakt" not in printed and "Robin" not in printed
    screenshot(page, "partner-safety-plan-print.png")
    log_out(page, base_url)

    # 3. The therapist: a risk signal from partner contact, level high, and no text.
    log_in(page, base_url, therapist.email, THERAPIST_KEY)
    page.goto(base_url + "/therapist/")
    row = page.locator("table.caseload tbody tr", has_text="Robin")
    expect(row).to_contain_text("1 risksignal")
    assert_no_marker(page.content(), "the therapist's caseload")
    row.get_by_role("link", name="Robin").click()
    path_is(page, base_url, f"/therapist/participants/{enrollment.public_id}/")
    signal = page.locator("#risk article.signal")
    expect(signal).to_have_count(1)
    expect(signal.locator("h3")).to_contain_text("Hög")
    expect(signal.locator("h3")).to_contain_text("Partnerkontakt")
    screenshot(page, "partner-therapist-overview.png")
    assert_no_marker(page.content(), "the therapist's participant overview")
    # The worker's case is not the therapist's to open; it answers as if it did not exist.
    response = page.goto(base_url + case_url)
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Sidan hittades inte")
    assert_no_marker(page.content(), "the therapist's 404 page")
    for path in ["print/", ""]:
        response = page.goto(f"{base_url}{case_url}safety-plan/{path}")
        assert response is not None and response.status == 404
    log_out(page, base_url)

    # 4. After: the participant's pages are the same pages, and nothing of the case is there.
    log_in(page, base_url, robin.email, PARTICIPANT_KEY)
    after = participant_pages(page, base_url)
    assert sorted(after) == sorted(before), "the participant can reach other pages now"
    for path, (html_before, dom_before) in before.items():
        html_after, dom_after = after[path]
        assert_no_marker(html_after, path)
        assert_no_marker(dom_after, f"{path} (after its scripts ran)")
        assert normalised(html_after) == normalised(html_before), (
            f"{path} changed:\n" + first_difference(normalised(html_before), normalised(html_after))
        )
        assert normalised(dom_after) == normalised(dom_before), (
            f"{path} (DOM) changed:\n"
            + first_difference(normalised(dom_before), normalised(dom_after))
        )

    # The access log lists staff reads of the participant's record: the therapist's look at
    # the overview just now is one, and rightly new. The worker's reads are not there: not
    # as rows, not as a role, not as a count.
    log_after = access_log(page, base_url)
    assert_no_marker(log_after.decode(), "the participant's access log")
    rows_before = list(csv.reader(io.StringIO(log_before.decode())))
    rows_after = list(csv.reader(io.StringIO(log_after.decode())))
    assert rows_after[0] == rows_before[0]  # the header
    new_rows = rows_after[1 : len(rows_after) - len(rows_before) + 1]
    assert rows_after[len(new_rows) + 1 :] == rows_before[1:], "earlier rows changed"
    # Time, unit, role, what (no staff names: the organisation has not turned them on).
    assert rows_after[0] == ["Tid", "Enhet", "Roll", "Vad"]
    assert new_rows and all(unit and role == "Terapeut" for _time, unit, role, _what in new_rows), (
        new_rows
    )
    with SERVER_LOCK:
        assert not AuditEvent.objects.filter(subject=robin, actor=worker).exists()
        worker_label = str(dict(Role.choices)[Role.PARTNER_WORKER])
        therapist_reads = AuditEvent.objects.filter(
            subject=robin, action=AuditEvent.Action.RECORD_VIEWED, actor=therapist
        ).count()
    assert worker_label not in log_after.decode()
    assert "partner" not in log_after.decode().lower()
    assert len(new_rows) == therapist_reads
    log_out(page, base_url)

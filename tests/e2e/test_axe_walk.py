"""axe-core on every page of every role, at a phone's width and a laptop's.

The demo data of `make run` is seeded (so every page has something on it: a conversation,
referrals, a partner case, check-ins), each role gets one browser context (a session made on
the server, no login form per page), and each page is opened once and checked at 375x800
and again at 1280x900. A page fails on any critical or serious violation of WCAG 2.0/2.1 A
and AA; the failure lists page, width, rule and the elements.

Which pages: every named URL of ours (the URL configuration, minus Wagtail's /cms/ and
/documents/) must be visited here or be in EXCLUDED with the reason, so a new page cannot
be forgotten. axe-core is the npm package (package.json; `make test` installs it) injected
from node_modules/, never from a CDN.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from django.conf import settings
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from tests.helpers import REPO_ROOT, SERVER_LOCK, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from accounts.models import User

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = "axe-core is missing: run `make axe` (npm install) first"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = [(375, 800), (1280, 900)]
BLOCKING = {"critical", "serious"}

# Wagtail's own admin (/cms/, /documents/) is walked by the editor's test; here only its
# dashboard, as the editor lands on it. It passes as it is: no Wagtail element is excluded.
OUTSIDE_OURS = ("cms/", "documents/")

# Named URLs that are not pages to check, each with the reason.
EXCLUDED: dict[str, str] = {
    "healthz": "plain text for the load balancer, not a page",
    "readyz": "JSON for the orchestration, not a page",
    "metrics": "Prometheus text for the monitoring, not a page",
    "set_language": "the language switch: a form posts to it and it redirects, no page",
    "accounts:email_change_confirm": "a link from an email that changes and redirects",
    "accounts:my_access_log": "a CSV download",
    "accounts:notifications": "POST only",
    "accounts:logout_everywhere": "POST only",
    "media_file": "image files",
    "modules:autosave": "POST only, answers JSON",
    "modules:complete": "POST only",
    "messaging:close_wait": "POST only",
    "therapist:checkin_interval": "POST only",
    "therapist:module_access": "POST only",
    "therapist:risk_acknowledge": "POST only",
    "administration:assign": "POST only",
    "administration:set_status": "POST only",
    "partner:consent_record": "POST only",
    "partner:consent_withdraw": "POST only",
    "partner:case_open": "POST only",
    "partner:case_status": "POST only",
    "partner:assessment_share": "POST only",
    "partner:admin_assign": "POST only",
    "intake:referral_contact": "POST only",
    "intake:referral_enrol": "POST only",
    "intake:referral_elsewhere": "POST only",
    "intake:referral_close": "POST only",
    "intake:referral_reopen": "POST only",
    "reports:export_csv": "a CSV download",
    "reports:export_xlsx": "an Excel download",
    "records:my_data_download": "POST only: the participant's own file, an attachment",
    "administration:set_born_on_day": "POST only",
    "logreview:review_export": "a CSV download",
    "accounts:organisations": "sends the admin of one organisation on to its settings (walked)",
    "content:organisation_help_list": "sends one organisation's admin on to its help box (walked)",
    "accounts:eid_login": "POST only: starts an e-ID login (tests/e2e/test_eid_journey.py)",
    "accounts:eid_invitation": "POST only: starts an e-ID login from an invitation",
    "accounts:eid_reauthenticate": "POST only: confirms who one is by e-ID",
    "openid_connect_callback": "the identity provider's way back: needs a live provider "
    "(tests/e2e/test_eid_journey.py)",
    "accounts:sso_login": "starts a staff sign-on by a form's POST "
    "(tests/accounts/test_staff_oidc.py, tests/e2e/test_staff_sso_journey.py)",
    "saml_login": "starts a staff SAML sign-on by a form's POST "
    "(tests/accounts/test_staff_saml.py)",
    "saml_acs": "where the SAML identity provider posts its answer: needs a live provider "
    "(tests/e2e/test_staff_sso_journey.py)",
    "saml_finish_acs": "the SAML answer's second step: needs a live provider "
    "(tests/e2e/test_staff_sso_journey.py)",
    "saml_metadata": "XML for the identity provider, not a page",
    "meetings:hours_remove": "POST only",
    "meetings:cancel": "POST only",
    "meetings:move": "POST only",
    "therapist:meeting_outcome": "POST only",
    "meetings:ics": "a calendar file download",
    "meetings:book_self": "only where the organisation lets participants book, off in the demo "
    "(tests/meetings/test_pages.py)",
    "saml_sls": "the identity provider's logout: answers 404 by design "
    "(tests/accounts/test_staff_saml.py)",
}
POST_ONLY = {name for name, reason in EXCLUDED.items() if reason.startswith("POST only")}


@dataclass(frozen=True)
class Visit:
    who: str  # a key of the sessions: a role, or "anonymous", "unverified", ...
    path: str
    status: int = 200


def our_url_names() -> dict[str, URLPattern]:
    """Every named URL pattern outside Wagtail's admin, by "namespace:name"."""
    names: dict[str, URLPattern] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                route = prefix + str(pattern.pattern)
                if route.startswith(OUTSIDE_OURS):
                    continue
                inner = pattern.namespace
                ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
                walk(pattern.url_patterns, route, ns or "")
            elif isinstance(pattern, URLPattern) and pattern.name:
                if (prefix + str(pattern.pattern)).startswith(OUTSIDE_OURS):
                    continue
                names[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, "", "")
    return names


def _placeholders(pattern: URLPattern) -> dict[str, Any]:
    """Made-up values for a pattern's parameters, of the right type."""
    made = {"UUIDConverter": uuid4, "IntConverter": lambda: 1}
    return {
        key: made.get(type(converter).__name__, lambda: "x")()
        for key, converter in getattr(pattern.pattern, "converters", {}).items()
    }


def view_name(path: str) -> str:
    return str(resolve(urlsplit(path).path).view_name)


# --- The data: `make run`'s demo, plus the few states it does not reach --------------------------


def _in_thread(work: Callable[[], None]) -> None:
    """Run ORM work that broadcasts after commit (message_send) off the test thread, where
    Playwright's event loop runs and async_to_sync refuses; on the test's own connection."""
    connection = connections["default"]
    failure: list[BaseException] = []

    def run() -> None:
        connections["default"] = connection
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - re-raised on the test thread
            failure.append(error)

    connection.inc_thread_sharing()
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        connection.dec_thread_sharing()
    if failure:
        raise failure[0]


def _seed() -> None:
    from django.core.management import call_command

    quiet = io.StringIO()
    call_command("seed_programme", stdout=quiet)
    call_command("seed_measure_schedule", stdout=quiet)
    call_command("seed_demo", force=True, quiet=True)
    for name in (
        "seed_demo_treatment",
        "seed_demo_referrals",
        "seed_demo_messages",
        "seed_demo_partner",
        "seed_demo_meetings",
    ):
        call_command(name, force=True, stdout=quiet)
    _checkins()


def _checkins() -> None:
    """Three weekly check-ins for Alex, the last one with a risk answer: the overview's chart,
    table and risk signal have something to show."""
    from modules.models import CheckIn, Enrollment
    from modules.services import checkin_submit

    enrollment = Enrollment.objects.get(participant__email="participant@demo.omtag.se")
    for weeks, closeness, risk in ((2, 4, False), (1, 6, False), (0, 7, True)):
        checkin = checkin_submit(
            participant=enrollment.participant,
            enrollment=enrollment,
            answers=_checkin_answers(closeness, risk),
        )
        CheckIn.objects.filter(pk=checkin.pk).update(
            submitted_at=timezone.now() - timedelta(weeks=weeks)
        )


def _checkin_answers(closeness: int, risk: bool) -> dict[str, Any]:
    return {
        "violence": "yes" if risk else "no",
        "violence_kinds": ["threats"] if risk else [],
        "closeness": closeness,
        "children": "no",
        "home": "tense" if risk else "calm",
        "harm_thoughts": "no",
        "free_text": "En svår vecka." if risk else "",
    }


@dataclass
class Demo:
    people: dict[str, User]
    paths: dict[str, str]


def _demo() -> Demo:
    from accounts.models import Role
    from accounts.services import invitation_create
    from content.models import ModulePage
    from intake.models import Referral
    from measures.selectors import due_for
    from messaging.models import Thread
    from modules.models import Enrollment, ModuleProgress, ModuleState
    from partner.models import PartnerCase, RiskAssessment
    from tests.helpers import make_user

    def user(email: str) -> User:
        from accounts.models import User

        return User.objects.get(email=email)

    people = {
        "participant": user("participant@demo.omtag.se"),
        "therapist": user("therapist@demo.omtag.se"),
        "partner_worker": user("partner-worker@demo.omtag.se"),
        "editor": user("editor@demo.omtag.se"),
        "org_lead": user("org-lead@demo.omtag.se"),
        "admin": user("admin@demo.omtag.se"),
        "platform_admin": user("platform@demo.omtag.se"),
        "log_reviewer": user("log-reviewer@demo.omtag.se"),
    }
    people["unverified"] = people["participant"]
    people["no_role"] = make_user("no-role@example.org", [])
    people["not_enrolled"] = make_user("new@example.org", [Role.PARTICIPANT], enrolled=False)

    enrollment = Enrollment.objects.get(participant=people["participant"])
    rows = list(
        ModuleProgress.objects.filter(enrollment=enrollment)
        .select_related("module")
        .order_by("module__path")
    )
    done = next(r for r in rows if r.state == ModuleState.COMPLETED)
    open_ = next(r for r in rows if r.state == ModuleState.UNLOCKED)
    locked = next(r for r in rows if r.state == ModuleState.LOCKED)
    thread = Thread.objects.get(enrollment=enrollment)
    case = PartnerCase.objects.get(enrollment=enrollment)
    assessment = RiskAssessment.objects.filter(case=case).first()
    assert assessment is not None
    referral = Referral.objects.order_by("received_at").first()
    assert referral is not None
    english_module = ModulePage.objects.exclude(locale=done.module.locale).first()
    assert english_module is not None
    _, invitation = invitation_create(
        actor=people["admin"],
        email="invited@example.org",
        roles=[Role.PARTICIPANT],
        unit=enrollment.unit,
    )

    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    reset_key = (
        f"{user_pk_to_url_str(people['therapist'])}-"
        f"{default_token_generator.make_token(people['therapist'])}"
    )
    due = due_for(enrollment)
    assert due, "the demo participant has questionnaires due at intake"
    from audit.services import record_access
    from logreview.services import review_draw

    record_access(
        actor=people["therapist"],
        subject=people["participant"],
        what="overview",
        unit=enrollment.unit,
    )
    from organisations.models import IdentityProvider

    broker = IdentityProvider.objects.create(
        organisation=enrollment.unit.organisation,
        slug="axe-broker",
        name="E-legitimation",
        purpose=IdentityProvider.Purpose.EID,
        issuer="https://broker.example.org",
        client_id="omtag",
        client_secret="not-shown",
    )
    today = timezone.localdate()
    review = review_draw(actor=people["log_reviewer"], start=today, end=today, size=5)
    from meetings.models import Meeting

    meeting = Meeting.objects.filter(enrollment=enrollment).first()
    assert meeting is not None, "seed_demo_meetings books Alex a meeting"
    # A video meeting whose room is open now: its page in the state before the camera check
    # (the call itself is checked at 360 and 1280 px by tests/e2e/test_video_journey.py).
    video_meeting = Meeting.objects.create(
        enrollment=enrollment,
        therapist=enrollment.therapist,
        participant=enrollment.participant,
        kind="video",
        starts_at=timezone.now() + timedelta(minutes=2),
        ends_at=timezone.now() + timedelta(minutes=47),
    )
    paths = {
        "enrollment": str(enrollment.public_id),
        "module_done": f"/participant/modules/{done.module.translation_key}/",
        "module_open": f"/participant/modules/{open_.module.translation_key}/",
        "module_locked": f"/participant/modules/{locked.module.translation_key}/",
        "thread": f"/messages/{thread.public_id}/",
        "case": f"/partner/cases/{case.public_id}/",
        "assessment": f"/partner/cases/{case.public_id}/assessments/{assessment.public_id}/",
        "referral": f"/help/referrals/{referral.public_id}/",
        "translation_gaps": f"/editor/translations/{english_module.pk}/missing-exercises/",
        "invitation": invitation,
        "reset_key": f"/account/password/reset/key/{reset_key}/",
        "admin_user": f"/account/admin/users/{people['participant'].public_id}/",
        "organisation": f"/platform/{enrollment.unit.organisation.public_id}/",
        "erasure": f"/records/erasure/{people['participant'].public_id}/",
        "review": f"/log-review/{review.public_id}/",
        "settings": f"/account/admin/organisation/{enrollment.unit.organisation.public_id}/",
        "identity_provider": f"/account/admin/organisation/{enrollment.unit.organisation.public_id}"
        f"/identity-providers/{broker.public_id}/",
        "help_box": f"/editor/organisation-help/{enrollment.unit.organisation.public_id}/",
        "help_form": f"/help/{enrollment.unit.organisation.slug}/",
        "measures": [f"/measures/{d.occasion}/{d.instrument.key}/" for d in due],
        "meeting": f"/meetings/{meeting.public_id}/",
        "video": f"/meetings/{video_meeting.public_id}/video/",
    }
    return Demo(people, paths)


def _visits(demo: Demo) -> list[Visit]:
    p = demo.paths
    enrollment = p["enrollment"]
    participant = [
        "/participant/",
        "/participant/modules/",
        p["module_done"],
        p["module_open"],
        "/participant/checkin/",
        "/participant/checkin/thanks/",
        "/participant/checkins/",
        p["thread"],  # a participant's /messages/ sends them here, their one conversation
        *p["measures"],
        "/measures/thanks/",
        "/account/security/",
        "/account/security/confirm/",
        "/account/security/password/",
        "/account/security/email/",
        "/account/security/recovery-codes/",
        "/records/my-data/",
        "/meetings/",
        p["meeting"],
        p["video"],
        "/account/logout/",  # asks to confirm; only the form's POST logs out
    ]
    therapist = [
        "/therapist/",
        f"/therapist/participants/{enrollment}/",
        f"/therapist/participants/{enrollment}/answers/",
        f"/therapist/participants/{enrollment}/notes/",
        "/meetings/hours/",
        f"/meetings/with/{enrollment}/",
        p["meeting"],
        p["video"],
        "/messages/",
        p["thread"],
        "/help/referrals/",
        "/help/referrals/new/",
        p["referral"],
        p["referral"] + "screening/",
        "/account/security/",
    ]
    partner_worker = [
        "/partner/",
        f"/partner/participants/{enrollment}/",
        p["case"],
        p["case"] + "contact/",
        p["case"] + "conversations/new/",
        p["case"] + "assessments/new/",
        p["assessment"],
        p["case"] + "safety-plan/",
        p["case"] + "safety-plan/print/",
    ]
    admin = [
        "/account/admin/",
        p["admin_user"],
        f"{p['settings']}identity-providers/",
        p["identity_provider"],
        "/administration/participants/",
        "/administration/access-log/",
        "/administration/risk-words/",
        "/partner/administration/",
        "/measures/admin/",
        "/measures/admin/new/",
        "/measures/admin/instruments/phq-9/",
        "/records/erasure/",
        p["erasure"],
        p["settings"],
        "/editor/programmes/",
        p["help_box"],
        "/log-review/questioned/",
    ]
    anonymous = [
        "/account/login/",
        "/account/password/reset/",
        "/account/password/reset/done/",
        p["reset_key"],
        "/account/password/reset/key/done/",
        "/account/inactive/",
        p["invitation"],
        "/help/",
        p["help_form"],
        "/help/sent/",
    ]
    return [
        *(Visit("participant", path) for path in participant),
        Visit("participant", p["module_locked"], status=403),
        *(Visit("therapist", path) for path in therapist),
        *(Visit("partner_worker", path) for path in partner_worker),
        *(Visit("admin", path) for path in admin),
        Visit("platform_admin", "/platform/"),
        Visit("platform_admin", p["organisation"]),
        Visit("org_lead", "/reports/"),
        Visit("log_reviewer", "/log-review/"),
        Visit("log_reviewer", p["review"]),
        Visit("editor", "/editor/"),
        Visit("editor", "/cms/"),  # Wagtail's dashboard, where an editor lands in /cms/
        Visit("editor", p["translation_gaps"]),
        Visit("no_role", "/"),
        *(Visit("anonymous", path) for path in anonymous),
        Visit("unverified", "/account/2fa/"),
        Visit("not_enrolled", "/account/2fa/setup/"),
    ]


# --- Sessions: one browser context per role ----------------------------------------------------


def _session_cookie(user: User | None, *, verified: bool) -> str | None:
    from django.test import Client

    from accounts.views import REAUTH_AT
    from tests.helpers import unverified_client, verified_client

    if user is None:
        return None
    client: Client = verified_client(user) if verified else unverified_client(user)
    if verified:
        session = client.session
        # Account and security's pages behind a fresh password are part of the walk.
        session[REAUTH_AT] = timezone.now().isoformat()
        session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass
class Finding:
    who: str
    path: str
    width: int
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        where = "; ".join(self.targets[:6]) + (" …" if len(self.targets) > 6 else "")
        return (
            f"{self.path} [{self.who}, {self.width}px] {self.impact} {self.rule}: "
            f"{self.help}\n      {where}"
        )


def _axe(page: Page, visit: Visit, width: int) -> list[Finding]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' '))}));
        }""",
        TAGS,
    )
    return [
        Finding(visit.who, visit.path, width, v["id"], v["impact"], v["help"], v["targets"])
        for v in result
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def contexts(browser: Browser, base_url: str) -> Iterator[Callable[[str, Demo], BrowserContext]]:
    made: dict[str, BrowserContext] = {}

    def context_for(who: str, demo: Demo) -> BrowserContext:
        if who not in made:
            # CSP forbids inline scripts; axe is injected as one, so the test bypasses it.
            context = browser.new_context(
                locale="sv-SE",
                viewport={"width": WIDTHS[0][0], "height": WIDTHS[0][1]},
                bypass_csp=True,
            )
            context.set_default_timeout(15_000)
            with SERVER_LOCK:
                cookie = _session_cookie(
                    demo.people.get(who) if who != "anonymous" else None,
                    verified=who not in ("unverified", "not_enrolled"),
                )
            if cookie:
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
                )
            made[who] = context
        return made[who]

    yield context_for
    for context in made.values():
        context.close()


def _require_axe() -> None:
    if AXE.exists():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{AXE_MISSING} (CI=true: the accessibility walk may not be skipped)")
    pytest.skip(AXE_MISSING)


# --- The tests ---------------------------------------------------------------------------------


def test_every_page_of_every_role_passes_axe_at_phone_and_laptop_width(
    base_url: str, contexts: Callable[[str, Demo], BrowserContext]
) -> None:
    _require_axe()
    started = time.monotonic()
    with SERVER_LOCK:
        _in_thread(_seed)
        demo = _demo()
    visits = _visits(demo)

    # Every page of ours is either visited or excluded with a reason.
    visited = {view_name(v.path) for v in visits}
    missing = set(our_url_names()) - visited - set(EXCLUDED)
    assert not missing, f"pages neither walked nor excluded: {sorted(missing)}"
    assert not visited & set(EXCLUDED), "a page both walked and excluded"

    # axe really runs and reports: a field without a name, added to the login page, is found.
    probe = contexts("anonymous", demo).new_page()
    probe.goto(base_url + "/account/login/")
    probe.evaluate("document.querySelector('main').append(document.createElement('input'))")
    assert "label" in {f.rule for f in _axe(probe, Visit("anonymous", "probe"), 375)}
    probe.close()

    findings: list[Finding] = []
    problems: list[str] = []
    pages: dict[str, Page] = {}
    checked = 0
    for visit in visits:
        context = contexts(visit.who, demo)
        if visit.who not in pages:
            pages[visit.who] = context.new_page()
        page = pages[visit.who]
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        response = page.goto(base_url + visit.path)
        status = response.status if response else 0
        if status != visit.status:
            problems.append(f"{visit.path} [{visit.who}]: status {status}, not {visit.status}")
            continue
        landed = view_name(urlsplit(page.url).path)
        if landed != view_name(visit.path):
            problems.append(f"{visit.path} [{visit.who}]: sent on to {page.url}")
            continue
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            found = _axe(page, visit, width)
            if found:
                screenshot(page, f"axe-{visit.who}-{visit.path}-{width}")
            findings.extend(found)
            checked += 1

    # "POST only" is checked, not taken on trust: a GET is refused before anything is looked up.
    for name in sorted(POST_ONLY):
        path = reverse(name, kwargs=_placeholders(our_url_names()[name]))
        # The participant's module views check the role before the method.
        who = "participant" if name.startswith("modules:") else "admin"
        status = contexts(who, demo).request.get(base_url + path, max_redirects=0).status
        if status != 405:
            problems.append(
                f"{path} ({name}): a GET answers {status}, yet it is excluded as POST only"
            )

    elapsed = time.monotonic() - started
    print(f"\naxe walk: {checked} page × width checks of {len(visits)} pages in {elapsed:.0f} s")
    report = [f"{len(findings)} serious or critical axe violations:"]
    report += [f"  - {f}" for f in findings]
    if problems:
        report += ["pages that did not open as expected:", *(f"  - {p}" for p in problems)]
    assert not findings and not problems, "\n".join(report)


# --- Item 12: the therapist's and the organisation's tables on a 360 px phone ------------------

PHONE = {"width": 360, "height": 800}

# Every element that scrolls sideways: whether the keyboard reaches it and what it is called.
SCROLLERS = """() => [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    return ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
}).map(el => ({
    html: el.outerHTML.slice(0, 120),
    focusable: el.tabIndex >= 0,
    role: el.getAttribute('role'),
    name: el.getAttribute('aria-label') || (el.getAttribute('aria-labelledby') &&
          document.getElementById(el.getAttribute('aria-labelledby'))?.textContent.trim()) || '',
}))"""


def test_the_caseload_overview_access_log_report_and_referrals_fit_a_360px_phone(
    base_url: str, contexts: Callable[[str, Demo], BrowserContext]
) -> None:
    with SERVER_LOCK:
        _in_thread(_seed)
        demo = _demo()
    enrollment = demo.paths["enrollment"]
    pages = [
        Visit("therapist", "/therapist/"),
        Visit("therapist", f"/therapist/participants/{enrollment}/"),
        Visit("therapist", "/help/referrals/"),
        Visit("admin", "/administration/access-log/"),
        Visit("org_lead", "/reports/"),
    ]
    problems: list[str] = []
    for visit in pages:
        page = contexts(visit.who, demo).new_page()
        page.set_viewport_size(PHONE)
        response = page.goto(base_url + visit.path)
        assert response is not None and response.status == 200, visit.path
        screenshot(page, f"phone360-{visit.path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{visit.path}: the page is {width} px wide at 360 px")
        for region in page.evaluate(SCROLLERS):
            if not (region["focusable"] and region["role"] == "region" and region["name"]):
                problems.append(f"{visit.path}: a region scrolls without keyboard access {region}")
        # Cards, not a squeezed table: each row's cells sit under each other, named.
        stacked = page.locator("table.stack tbody td[data-label]")
        if not stacked.count():
            problems.append(f"{visit.path}: no stacked table")
        elif stacked.first.evaluate("el => getComputedStyle(el).display") == "table-cell":
            problems.append(f"{visit.path}: the rows are still table rows at 360 px")
        else:
            label = stacked.first.evaluate("el => getComputedStyle(el, '::before').content")
            if label.strip('"') != stacked.first.get_attribute("data-label"):
                problems.append(f"{visit.path}: a value is shown without its column's name")
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, f"laptop-{visit.path}")
        page.close()
    # The caseload's row is a card on the phone that still leads to the participant.
    page = contexts("therapist", demo).new_page()
    page.set_viewport_size(PHONE)
    page.goto(base_url + "/therapist/")
    card = page.locator("table.caseload tbody tr").first
    assert card.bounding_box()["width"] <= PHONE["width"]  # type: ignore[index]
    card.get_by_role("link", name="Alex").click()
    assert page.locator("h1").inner_text() == "Alex"
    assert not problems, "\n".join(problems)

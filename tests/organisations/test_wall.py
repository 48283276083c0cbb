"""The wall between organisations, and between the units of one organisation, tried for real.

Two sides, "here" and "there": two organisations (one under the social services act, one under
health care law), or two units of one organisation whose staff hold their roles in one unit
only. Each side has a full cast and a participant in treatment with answers, a check-in, a
risk signal, messages, a case note, a measure, referrals (one in the queue) and a partner
case with a conversation, a shared assessment and a safety plan; every text field of a side,
and every name and email address of its people, holds that side's marker. The staff of each
side read their own records first, so the access log has rows about both.

Then, as every role of "here", every URL of the URL configuration is requested with the real
ids of both sides in its slots, and every export is downloaded: the marker of "there" appears
in no response. The socket of "there"'s thread stays closed to "here"'s therapist. A role x
page matrix says who reaches which main page, and the busy pages make as many queries for 2
rows as for 20. Run with `-s` for the counts."""

from __future__ import annotations

import io
import itertools
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role, User
from content.models import ModulePage
from intake.models import Referral, ReferralEvent, ReferralEventKind, ReferralStatus, Screening
from intake.services import referral_submit
from measures.models import Instrument, MeasureResponse
from messaging.models import Thread
from messaging.services import message_send
from modules.models import Enrollment, RiskSignal
from modules.services import checkin_submit, enrollment_create, enrollment_start
from organisations.models import Organisation, Regime, Unit
from partner import services as partner
from partner.models import PartnerCase
from tests.helpers import (
    consent_both,
    make_programme,
    make_user,
    modules_of,
    referral_person,
    sample_path,
    save_answer,
    send,
    verified_client,
)
from therapist.services import note_add, risk_acknowledge

pytestmark = pytest.mark.django_db

TODAY = date.today()
# Letters only, so that they survive in email addresses and escaping; searched for without
# regard to case. Neither can occur by chance in a token (CSRF, nonces) of a response.
MARKS = {"here": "Qzxhereq", "there": "Qzxthereq"}
ROLES = [
    Role.PARTICIPANT,
    Role.THERAPIST,
    Role.PARTNER_WORKER,
    Role.ADMIN,
    Role.ORG_LEAD,
    Role.CLINICAL_LEAD,
    Role.EDITOR,
]
SLOT = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
# Each id slot is filled with the ids of the kind its view looks up, so that the walk stays a
# few thousand requests: by the pattern's start for the first slot, by its name for a later
# one. A pattern not listed here gets every id of both sides.
FIRST_SLOT_KINDS = {
    "account/admin/users/": "person",
    "participant/modules/": "module",
    "messages/": "thread",
    "therapist/participants/": "enrollment",
    "administration/participants/": "enrollment",
    "partner/participants/": "enrollment",
    "partner/cases/": "case",
    "partner/administration/": "case",
    "help/referrals/": "referral",
    "records/erasure/": "person",
}
LATER_SLOT_KINDS = {
    "key": "module",
    "signal_id": "signal",
    "consent_id": "consent",
    "assessment_id": "assessment",
}
SPLITS = ["organisations", "units"]


@dataclass
class Side:
    unit: Unit
    mark: str
    people: dict[str, User]
    enrollment: Enrollment
    thread: Thread
    case: PartnerCase
    ids: dict[str, list[str]] = field(default_factory=dict)

    def all_ids(self) -> list[str]:
        return [i for ids in self.ids.values() for i in ids]


@dataclass
class World:
    here: Side
    there: Side
    modules: list[ModulePage]


def _cast(unit: Unit, mark: str, tag: str, *, whole_organisation: bool) -> dict[str, User]:
    people = {}
    for role in ROLES:
        people[str(role)] = make_user(
            f"{mark.lower()}-{role}-{tag}@example.org",
            [role],
            name=f"{mark} {role} name",
            unit=unit,
            whole_organisation=whole_organisation,
        )
    return people


def _fill_side(unit: Unit, mark: str, tag: str, programme: Any, *, whole: bool) -> Side:
    """A side's cast and everything its participant, therapist and partner worker leave."""
    people = _cast(unit, mark, tag, whole_organisation=whole)
    participant, therapist = people[Role.PARTICIPANT], people[Role.THERAPIST]
    worker = people[Role.PARTNER_WORKER]
    enrollment = enrollment_create(
        actor=therapist,
        participant=participant,
        programme=programme,
        therapist=therapist,
        unit=unit,
    )
    enrollment_start(enrollment=enrollment)
    enrollment.refresh_from_db()
    thread = Thread.objects.get(enrollment=enrollment)

    # The participant's answers, check-in and messages.
    module = modules_of(programme)[0]
    blocks = {child.block_type: child for child in module.body}
    save_answer(participant, enrollment, module, blocks["reflection"].id, f"{mark} reflection")
    save_answer(participant, enrollment, module, blocks["worksheet"].id, [f"{mark} ws", "x"])
    save_answer(
        participant,
        enrollment,
        module,
        blocks["timeout_plan"].id,
        {
            "warning_signs": f"{mark} warning",
            "where_i_go": f"{mark} where",
            "calm_down": f"{mark} calm",
            "coming_back": f"{mark} back",
        },
    )
    checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={
            "violence": "yes",
            "violence_kinds": ["psychological"],
            "closeness": 3,
            "children": "no",
            "home": "tense",
            "harm_thoughts": "no",
            "free_text": f"{mark} checkin",
        },
    )
    for sender in (participant, therapist, participant):
        message_send(sender=sender, thread=thread, body=f"{mark} message", client_id=uuid.uuid4())
    # The therapist's notes and acknowledgement.
    note_add(actor=therapist, enrollment=enrollment, body=f"{mark} case note")
    signal = RiskSignal.objects.filter(enrollment=enrollment, source="checkin").first()
    assert signal is not None
    risk_acknowledge(actor=therapist, signal=signal, comment=f"{mark} acknowledgement")
    instrument = Instrument.objects.create(
        key=f"wall-{tag}",
        name_sv="Wall scale",
        name_en="Wall scale",
        scale=[{"value": 0, "label_sv": "Nej", "label_en": "No"}],
    )
    MeasureResponse.objects.create(
        enrollment=enrollment, instrument=instrument, occasion="intake", answers={"q1": 0}, score=3
    )

    # The referral that led to the treatment, and one still in the queue.
    enrolled = Referral.objects.create(
        source="self",
        unit=unit,
        name=f"{mark} referral name",
        phone="070-111 22 33",
        safe_times=f"{mark} safe times",
        situation=f"{mark} situation",
        agency=f"{mark} agency",
        agency_contact=f"{mark} agency contact",
        status=ReferralStatus.ENROLLED,
        decision_reason=f"{mark} decision",
        referred_to=f"{mark} referred to",
        enrollment=enrollment,
    )
    Screening.objects.create(
        referral=enrolled,
        answers={"motivation": 7, "notes": f"{mark} screening answer"},
        notes=f"{mark} screening notes",
        screened_by=therapist,
    )
    ReferralEvent.objects.create(
        referral=enrolled, kind=ReferralEventKind.CONTACTED, by=therapist, text=f"{mark} event"
    )
    queued = referral_submit(
        person=referral_person(
            name=f"{mark} queued name", situation=f"{mark} queued", safe_times=f"{mark} times"
        ),
        unit=unit,
    )

    # The partner's side.
    consent_both(enrollment, worker)
    case = partner.case_open(
        actor=worker,
        enrollment=enrollment,
        contact={
            "name": f"{mark} partner name",
            "phone": f"{mark} phone",
            "address": f"{mark} address",
            "contact_channel": f"{mark} channel",
            "safe_times": f"{mark} partner times",
            "may_leave_message": "no",
            "code_word": f"{mark} codeword",
            "contact_notes": f"{mark} contact notes",
            "protected_identity": True,
        },
    )
    partner.case_set_status(actor=worker, case=case, status="active")
    conversation = partner.conversation_add(
        actor=worker,
        case=case,
        held_on=TODAY,
        form="phone",
        minutes=30,
        notes=f"{mark} conversation",
        pass_on_requested=True,
        pass_on_what=f"{mark} pass on",
    )
    assessment = partner.assessment_record(
        actor=worker,
        case=case,
        assessed_on=TODAY,
        answers={"x_strangulation": "yes"},
        description=f"{mark} assessment",
        level="high",
    )
    partner.assessment_share(actor=worker, assessment=assessment)
    partner.safety_plan_save(
        actor=worker,
        case=case,
        plan={
            name: f"{mark} plan {name}"
            for name in (
                "safe_places",
                "people_to_call",
                "essentials",
                "children_plan",
                "code_word",
                "when_to_call_112",
                "other",
            )
        },
    )
    side = Side(
        unit=unit, mark=mark, people=people, enrollment=enrollment, thread=thread, case=case
    )
    side.ids = {
        "enrollment": [str(enrollment.public_id)],
        "person": [str(p.public_id) for p in people.values()],
        "thread": [str(thread.public_id)],
        "referral": [str(enrolled.public_id), str(queued.public_id)],
        "case": [str(case.public_id)],
        "assessment": [str(assessment.public_id)],
        "consent": _consent_ids(enrollment),
        "conversation": [str(conversation.public_id)],
        "signal": [str(s.public_id) for s in RiskSignal.objects.filter(enrollment=enrollment)],
    }
    return side


def _consent_ids(enrollment: Enrollment) -> list[str]:
    from partner.models import PartnerConsent

    return [
        str(i)
        for i in PartnerConsent.objects.filter(enrollment=enrollment).values_list(
            "public_id", flat=True
        )
    ]


def _staff_read_their_own(side: Side) -> None:
    """Each side's staff open their own records, so the access log holds reads of both."""
    therapist = verified_client(side.people[Role.THERAPIST])
    for name in ("participant", "answers", "notes"):
        page = therapist.get(reverse(f"therapist:{name}", args=[side.enrollment.public_id]))
        assert page.status_code == 200, name
        assert side.mark.encode() in page.content, name
    assert (
        therapist.get(reverse("messaging:thread", args=[side.thread.public_id])).status_code == 200
    )
    worker = verified_client(side.people[Role.PARTNER_WORKER])
    for name in ("case", "case_contact", "safety_plan"):
        page = worker.get(reverse(f"partner:{name}", args=[side.case.public_id]))
        assert page.status_code == 200, name
        assert side.mark.encode() in page.content, name


def build(split: str) -> World:
    """Two sides: two organisations with staff granted for the whole of theirs, or two units
    of one organisation with staff granted in their own unit only."""
    if split == "organisations":
        here_org = Organisation.objects.create(
            slug="here", name="Här kommun", regime=Regime.SOCIAL_SERVICES
        )
        there_org = Organisation.objects.create(
            slug="there", name="Där region", regime=Regime.HEALTH_CARE
        )
        whole = True
    else:
        here_org = there_org = Organisation.objects.create(
            slug="both", name="Båda", regime=Regime.HEALTH_CARE
        )
        whole = False
    here_unit = Unit.objects.create(organisation=here_org, slug="here-unit", name="Här")
    there_unit = Unit.objects.create(organisation=there_org, slug="there-unit", name="Där")
    for org, unit in ((here_org, here_unit), (there_org, there_unit)):
        if org.help_unit_id is None:
            org.help_unit = unit
            org.save(update_fields=["help_unit"])
    programme = make_programme(modules=2, answers_per_module=7)
    here = _fill_side(here_unit, MARKS["here"], "h", programme, whole=whole)
    there = _fill_side(there_unit, MARKS["there"], "t", programme, whole=whole)
    for side in (here, there):
        _staff_read_their_own(side)
    return World(here=here, there=there, modules=modules_of(programme))


# --- The walk ------------------------------------------------------------------------------------


def _templates(patterns: Any, prefix: str = "") -> Any:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _templates(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def every_path(world: World) -> list[str]:
    """Every URL of the configuration, each id slot filled with each id of both sides of the
    kind it takes (FIRST_SLOT_KINDS, LATER_SLOT_KINDS), any other slot with a sample."""
    kinds: dict[str, list[str]] = {"module": [str(m.translation_key) for m in world.modules]}
    for kind in world.here.ids:
        kinds[kind] = world.here.ids[kind] + world.there.ids[kind]
    every = [i for ids in kinds.values() for i in ids]
    paths = set()
    for template in _templates(get_resolver().url_patterns):
        slots = [m for m in SLOT.finditer(template) if m.group("conv") == "uuid"]
        first = next((k for p, k in FIRST_SLOT_KINDS.items() if template.startswith(p)), "")
        choices = [
            kinds.get(first if n == 0 else LATER_SLOT_KINDS.get(m.group("name"), ""), every)
            for n, m in enumerate(slots)
        ]
        for combo in itertools.product(*choices):
            filled = template
            for value in combo:
                filled = re.sub(r"<uuid:\w+>", value, filled, count=1)
            paths.add("/" + sample_path(filled))
    return sorted(paths)


def exports(world: World) -> list[str]:
    """The downloads, with the filters set to the other side's people too."""
    there = world.there
    log = reverse("administration:access_log")
    return [
        f"{log}?format=csv",
        f"{log}?format=csv&participant={there.people[Role.PARTICIPANT].public_id}",
        f"{log}?format=csv&staff={there.people[Role.THERAPIST].public_id}",
        f"{log}?participant={there.people[Role.PARTICIPANT].public_id}",
        f"{log}?staff={there.people[Role.PARTNER_WORKER].public_id}",
        reverse("reports:export_csv"),
        reverse("reports:export_xlsx"),
        reverse("reports:report"),
        reverse("accounts:my_access_log"),
        # Words every side's names and addresses hold (never the marker: a URL may be echoed).
        f"{reverse('records:erasure_list')}?q=name",
        f"{reverse('records:erasure_list')}?q=example.org",
    ]


def body_of(response: Any) -> bytes:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if content[:2] == b"PK":  # an .xlsx file: the text is inside the zip
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
    return content + str(response.headers).encode()


def leaks(client: Client, paths: list[str], mark: str) -> tuple[list[str], int]:
    """The paths whose response holds `mark`, and how many answered 200."""
    found, reached = [], 0
    needle = mark.lower().encode()
    for path in paths:
        response = client.get(path)
        reached += response.status_code == 200
        if needle in body_of(response).lower():
            found.append(path)
    return found, reached


def own_files(client: Client) -> list[bytes]:
    """The participant's own data file, in both formats."""
    url = reverse("records:my_data_download")
    return [body_of(client.post(url, {"format": fmt})) for fmt in ("html", "json")]


@pytest.mark.parametrize("split", SPLITS)
def test_nothing_of_the_other_side_reaches_any_role(split: str) -> None:
    world = build(split)
    paths = every_path(world)
    downloads = exports(world)
    mark = world.there.mark
    assert any(world.there.ids["case"][0] in p for p in paths)
    summary = []
    for role in ROLES:
        person = world.here.people[role]
        client = verified_client(person)
        found, reached = leaks(client, paths + downloads, mark)
        if role == Role.PARTICIPANT:
            files = own_files(client)
            assert all(world.here.mark.lower().encode() in f.lower() for f in files)
            found += (
                ["my data file"] if any(mark.lower().encode() in f.lower() for f in files) else []
            )
        assert found == [], (role, found)
        assert reached > 10, f"the walk must reach {role}'s own pages"
        summary.append(f"{role}: {len(paths) + len(downloads)} requests, {reached} answered 200")
    markers = sum(1 for _ in _marked_values(world.there))
    print(
        f"\n[wall {split}] {len(paths)} URLs + {len(downloads)} exports x {len(ROLES)} roles; "
        f"{markers} marked values of the other side; no leak\n  " + "\n  ".join(summary)
    )


ACCOUNT_ADMIN = "/account/admin/"


def test_account_administration_is_per_unit() -> None:
    world = build("units")
    client = verified_client(world.here.people[Role.ADMIN])
    there = world.there.people[Role.PARTICIPANT]
    pages = [ACCOUNT_ADMIN, reverse("accounts:admin_user", args=[there.public_id])]
    found, _reached = leaks(client, pages, world.there.mark)
    assert found == []


def _marked_values(side: Side) -> Any:
    """Every stored text value of the side that holds its marker (for the count)."""
    from django.apps import apps

    for model in apps.get_models():
        text_fields = [
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "get_internal_type", None)
            and f.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField")
            and f.concrete
        ]
        for row in model._default_manager.values_list(*text_fields) if text_fields else []:
            for value in row:
                if value is not None and side.mark.lower() in str(value).lower():
                    yield value


def test_the_report_and_the_access_log_are_about_the_readers_units() -> None:
    """The report's figures and its file are about the reader's own units: one treatment and
    two referrals here, not both sides'. The access log shows the reads of here's records
    (and not there's)."""
    world = build("organisations")
    log = verified_client(world.here.people[Role.ADMIN]).get(
        reverse("administration:access_log") + "?format=csv"
    )
    text = body_of(log).lower()
    assert world.here.mark.lower().encode() in text
    assert world.there.mark.lower().encode() not in text
    for role in (Role.ORG_LEAD, Role.ADMIN):
        client = verified_client(world.here.people[role])
        page = client.get(reverse("reports:report"))
        assert page.status_code == 200
        funnel = page.context["report"].funnel
        assert [(s.key, s.count) for s in funnel.steps[:3]] == [
            ("referred", 2),
            ("screened", 1),
            ("enrolled", 1),
        ]
        table = client.get(reverse("reports:export_csv")).content.decode()
        assert table.count("\n") > 5
        assert str(world.there.enrollment.pk) not in _pseudonyms(table, world)


def _pseudonyms(table: str, world: World) -> str:
    from reports.exports import pseudonym

    here, there = pseudonym(world.here.enrollment.pk), pseudonym(world.there.enrollment.pk)
    assert here in table
    return str(world.there.enrollment.pk) if there in table else ""


@pytest.mark.parametrize("split", SPLITS)
def test_the_partner_services_refuse_a_treatment_of_the_other_side(split: str) -> None:
    world = build(split)
    worker = world.here.people[Role.PARTNER_WORKER]
    there = world.there
    with pytest.raises(PermissionDenied):
        partner.consent_record(
            actor=worker, enrollment=there.enrollment, kind="inform", given_on=TODAY
        )
    with pytest.raises(PermissionDenied):
        partner.case_open(actor=worker, enrollment=there.enrollment, contact={"name": "x"})
    with pytest.raises(PermissionDenied):
        partner.conversation_add(
            actor=worker,
            case=there.case,
            held_on=TODAY,
            form="phone",
            minutes=1,
            notes="x",
        )
    # Nor may an admin of here move the case, nor a worker of here be given it.
    with pytest.raises(PermissionDenied):
        partner.case_assign(actor=world.here.people[Role.ADMIN], case=there.case, worker=worker)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        partner.case_assign(actor=there.people[Role.ADMIN], case=there.case, worker=worker)


# --- The socket ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("split", SPLITS)
async def test_the_other_sides_thread_stays_closed_on_the_socket(
    in_memory_channel_layer: Any, split: str
) -> None:
    from tests.helpers import open_socket

    world = await sync_to_async(build)(split)
    therapist = world.here.people[Role.THERAPIST]
    socket, connected, _code = await open_socket(therapist, world.there.thread)
    outputs = []
    if connected:
        await socket.send_json_to({"type": "sync", "after": 0})
        while True:
            output = await socket.receive_output(timeout=3)
            outputs.append(output)
            if output["type"] == "websocket.close":
                break
    assert outputs and outputs[-1].get("code") == 4403
    assert world.there.mark not in str(outputs)
    # Their own thread opens and syncs.
    own, ok, _ = await open_socket(therapist, world.here.thread)
    assert ok
    await own.send_json_to({"type": "sync", "after": 0})
    from tests.helpers import next_frame

    frame = await next_frame(own, "sync")
    assert world.here.mark in str(frame) and world.there.mark not in str(frame)
    await own.disconnect()
    from tests.helpers import close_worker_connections

    await close_worker_connections()


# --- Who reaches which page ---------------------------------------------------------------------

# For each main page: the roles of a side that reach it (200) for their own side's object.
MAIN_PAGES: dict[str, tuple[str, set[str]]] = {
    "therapist:home": ("", {Role.THERAPIST}),
    "therapist:participant": ("enrollment", {Role.THERAPIST}),
    "therapist:notes": ("enrollment", {Role.THERAPIST}),
    "messaging:thread": ("thread", {Role.PARTICIPANT, Role.THERAPIST}),
    "partner:home": ("", {Role.PARTNER_WORKER}),
    "partner:enrollment": ("enrollment", {Role.PARTNER_WORKER}),
    "partner:case": ("case", {Role.PARTNER_WORKER}),
    "intake:referrals": ("", {Role.THERAPIST, Role.ADMIN}),
    "intake:referral": ("referral", {Role.THERAPIST}),
    "administration:participants": ("", {Role.ADMIN}),
    "administration:access_log": ("", {Role.ADMIN}),
    "partner:admin_cases": ("", {Role.ADMIN}),
    "records:erasure_list": ("", {Role.ADMIN}),
    "records:erasure_request": ("participant", {Role.ADMIN}),
    "reports:report": ("", {Role.ORG_LEAD, Role.ADMIN}),
}


def _object_id(side: Side, kind: str) -> str:
    if kind == "participant":
        return str(side.people[Role.PARTICIPANT].public_id)
    return side.ids[kind][0]


@pytest.mark.parametrize("split", SPLITS)
def test_role_page_matrix(split: str) -> None:
    world = build(split)
    clients = {role: verified_client(world.here.people[role]) for role in ROLES}
    lines, wrong = [], []
    for name, (kind, allowed) in MAIN_PAGES.items():
        for side_name, side in (("own", world.here), ("other", world.there)):
            if not kind and side_name == "other":
                continue
            url = reverse(name, args=[_object_id(side, kind)] if kind else [])
            row = []
            for role in ROLES:
                status = clients[role].get(url).status_code
                row.append(f"{status}")
                expected_ok = side_name == "own" and role in allowed
                if (status == 200) != expected_ok:
                    wrong.append((name, side_name, role, status))
            lines.append(f"{name:32} {side_name:5} " + " ".join(f"{s:>4}" for s in row))
    header = f"{'page':32} {'side':5} " + " ".join(f"{r[:4]:>4}" for r in ROLES)
    print(f"\n[matrix {split}]\n" + header + "\n" + "\n".join(lines))
    assert wrong == []


# --- Query counts -------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _add_treatments(n: int, unit: Unit, therapist: User, programme: Any, tag: str) -> None:
    for i in range(n):
        person = make_user(f"extra-{tag}-{i}@example.org", [Role.PARTICIPANT], unit=unit)
        e = enrollment_create(
            actor=therapist, participant=person, programme=programme, therapist=therapist, unit=unit
        )
        enrollment_start(enrollment=e)
        referral_submit(person=referral_person(name=f"Extra {i}"), unit=unit)


def test_the_busy_pages_make_as_many_queries_for_2_rows_as_for_20() -> None:
    """The caseload, the intake queue and the admin's participants page, narrowed to the
    viewer's units, make the same number of queries whatever the number of rows; the other
    unit's rows (20 more) change nothing either."""
    world = build("units")
    programme = make_programme(modules=1, answers_per_module=1)
    here, there = world.here, world.there
    urls = {
        Role.THERAPIST: reverse("therapist:home"),
        Role.ADMIN: reverse("administration:participants"),
    }
    queue = reverse("intake:referrals")
    _add_treatments(1, here.unit, here.people[Role.THERAPIST], programme, "a")
    clients = {role: verified_client(here.people[role]) for role in urls}
    before = {role: _queries(clients[role], url) for role, url in urls.items()}
    before_queue = _queries(clients[Role.THERAPIST], queue)
    _add_treatments(18, here.unit, here.people[Role.THERAPIST], programme, "b")
    _add_treatments(20, there.unit, there.people[Role.THERAPIST], programme, "c")
    after = {role: _queries(clients[role], url) for role, url in urls.items()}
    assert after == before
    assert _queries(clients[Role.THERAPIST], queue) == before_queue
    rows = Enrollment.objects.filter(unit=here.unit).count()
    assert rows == 20
    print(f"\n[queries] 2 vs 20 rows: {before} / queue {before_queue}")


def test_the_platform_administrator_reads_nothing_of_either_side() -> None:
    """The platform administrator manages organisations, never people's records: every URL
    with both sides' ids and every export hold neither side's marker."""
    world = build("organisations")
    client = verified_client(make_user("platform@example.org", [Role.PLATFORM_ADMIN]))
    paths = every_path(world) + exports(world)
    for mark in MARKS.values():
        found, reached = leaks(client, paths, mark)
        assert found == [], found
    assert reached >= 2, "the walk must reach the platform administrator's own pages"
    print(f"\n[wall platform] {len(paths)} requests x 2 markers; {reached} answered 200; no leak")


def test_no_email_carries_anything_of_a_record(django_capture_on_commit_callbacks) -> None:
    """Every email the two sides' activity sends (new-message notices both ways, measure
    reminders, invitations) goes to a person of the side it is about and holds no marker of
    either side in its subject or text."""
    from accounts.services import invitation_create
    from measures.tasks import send_measure_reminders
    from messaging.models import Side as ThreadSide
    from messaging.tasks import notify_new_message

    world = build("organisations")
    mail.outbox.clear()
    for side in (world.here, world.there):
        send(side.people[Role.THERAPIST], side.thread, f"{side.mark} an answer")
        assert notify_new_message.call(thread_id=side.thread.pk, side=ThreadSide.PARTICIPANT)
        send(side.people[Role.PARTICIPANT], side.thread, f"{side.mark} a new worry")
        assert notify_new_message.call(thread_id=side.thread.pk, side=ThreadSide.TEAM)
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(
                actor=side.people[Role.THERAPIST],
                email=f"new-{side.mark.lower()}@example.org",
                roles=[Role.PARTICIPANT],
                unit=side.unit,
            )
    send_measure_reminders.call()
    assert len(mail.outbox) >= 4
    for email in mail.outbox:
        text = (email.subject + email.body + "".join(str(a[0]) for a in email.alternatives)).lower()
        for mark in MARKS.values():
            assert mark.lower() not in text, (email.to, email.subject)
        sides = {s for s in ("here", "there") if MARKS[s].lower() in " ".join(email.to).lower()}
        assert len(sides) == 1, email.to
    print(f"\n[wall email] {len(mail.outbox)} emails; no marker in any")

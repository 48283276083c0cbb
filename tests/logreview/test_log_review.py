"""Log review (logguppföljning): a reviewer draws a random sample of staff reads from their
own organisation's units, judges each read, and the questioned ones reach that
organisation's administrator, and nobody else's."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditEvent
from audit.services import audit_log, record_access
from logreview.models import LogReview, LogReviewItem, Verdict
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import in_english, make_user, verified_client

pytestmark = pytest.mark.django_db


def _client(user: User):
    return in_english(verified_client(user))


def _other_unit() -> Unit:
    other = Organisation.objects.create(
        slug="norrby", name="Norrby kommun", regime=Regime.SOCIAL_SERVICES
    )
    return Unit.objects.create(organisation=other, slug="vp", name="Våldsprevention")


@pytest.fixture
def world() -> dict[str, User]:
    """Two organisations: reads of three participants in ours, two in theirs."""
    first_unit()
    there = _other_unit()
    people = {
        "reviewer": make_user("reviewer@example.org", [Role.LOG_REVIEWER], name="Rut"),
        "admin": make_user("admin@example.org", [Role.ADMIN], name="Ada"),
        "therapist": make_user("t@example.org", [Role.THERAPIST], name="Tove"),
        "their_reviewer": make_user("r2@example.org", [Role.LOG_REVIEWER], unit=there),
        "their_admin": make_user("a2@example.org", [Role.ADMIN], unit=there),
        "their_therapist": make_user("t2@example.org", [Role.THERAPIST], unit=there),
    }
    for n in range(3):
        p = make_user(f"p{n}@example.org", [Role.PARTICIPANT], name=f"Ours {n}")
        record_access(actor=people["therapist"], subject=p, what="overview")
    for n in range(2):
        p = make_user(f"q{n}@example.org", [Role.PARTICIPANT], name=f"THEIRS-{n}", unit=there)
        record_access(actor=people["their_therapist"], subject=p, what="overview")
    return people


def _draw(client, **fields):
    today = timezone.localdate()
    data = {"start": today - timedelta(days=7), "end": today, "size": 10, **fields}
    return client.post(reverse("logreview:reviews"), data)


def test_a_sample_holds_only_reads_of_the_reviewers_own_organisation(world) -> None:
    response = _draw(_client(world["reviewer"]))
    review = LogReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("logreview:review", args=[review.public_id])
    assert (review.population, review.sample_size) == (3, 3)
    subjects = {i.event.subject.display_name for i in review.items.select_related("event__subject")}
    assert subjects == {"Ours 0", "Ours 1", "Ours 2"}
    page = _client(world["reviewer"]).get(response["Location"])
    assert "Ours 1" in page.content.decode() and "THEIRS" not in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOG_REVIEW_DRAWN).count() == 1


def test_the_sample_is_no_larger_than_asked(world) -> None:
    _draw(_client(world["reviewer"]), size=2)
    review = LogReview.objects.get()
    assert (review.population, review.sample_size, review.items.count()) == (3, 2, 2)


def test_filters_by_staff_member(world) -> None:
    other = make_user("t3@example.org", [Role.THERAPIST], name="Tor")
    p = make_user("p9@example.org", [Role.PARTICIPANT], name="Ours 9")
    record_access(actor=other, subject=p, what="answers")
    _draw(_client(world["reviewer"]), staff=other.pk)
    review = LogReview.objects.get()
    assert [i.event.actor_id for i in review.items.all()] == [other.pk]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"size": 0}, "1"),
        ({"size": 500}, "200"),
        ({"start": "2026-01-10", "end": "2026-01-01"}, "must start before it ends"),
        ({"end": "2999-01-01"}, "cannot end in the future"),
        ({"start": "not a date"}, "date"),
    ],
)
def test_bad_filters_say_why_and_draw_nothing(world, fields, message) -> None:
    client = _client(world["reviewer"])
    response = _draw(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LogReview.objects.exists()


def test_no_matching_reads_is_said_plainly(world) -> None:
    response = _draw(_client(world["reviewer"]), start="2020-01-01", end="2020-01-31")
    assert response.status_code == 400
    assert "No reads match" in response.content.decode()
    assert not LogReview.objects.exists()


def test_a_unit_of_another_organisation_is_refused(world) -> None:
    there = Unit.objects.get(slug="vp")
    response = _draw(_client(world["reviewer"]), unit=there.pk)
    assert response.status_code == 400
    assert not LogReview.objects.exists()


def _judge(client, review, item, verdict, note=""):
    return client.post(
        reverse("logreview:review", args=[review.public_id]),
        {"item": item.pk, "verdict": verdict, "note": note},
        follow=True,
    )


def test_a_questioned_read_needs_a_note_and_then_reaches_our_admin_only(world) -> None:
    client = _client(world["reviewer"])
    _draw(client)
    review = LogReview.objects.get()
    item = review.items.first()
    refused = _judge(client, review, item, Verdict.QUESTIONED)
    assert "Write why the read is questioned" in refused.content.decode()
    item.refresh_from_db()
    assert item.verdict == Verdict.PENDING

    _judge(client, review, item, Verdict.QUESTIONED, "No treatment contact that day")
    item.refresh_from_db()
    assert (item.verdict, item.note) == (Verdict.QUESTIONED, "No treatment contact that day")

    ours = _client(world["admin"]).get(reverse("logreview:questioned"))
    assert "No treatment contact that day" in ours.content.decode()
    theirs = _client(world["their_admin"]).get(reverse("logreview:questioned"))
    assert "No treatment contact that day" not in theirs.content.decode()
    # Their admin cannot follow it up either: the item is not among theirs.
    forged = _client(world["their_admin"]).post(
        reverse("logreview:questioned"), {"item": item.pk, "note": "closed"}
    )
    assert forged.status_code == 404

    _client(world["admin"]).post(
        reverse("logreview:questioned"), {"item": item.pk, "note": "Talked to Tove; a mistake"}
    )
    item.refresh_from_db()
    assert item.follow_up_note == "Talked to Tove; a mistake"
    assert item.followed_up_by == world["admin"]


def test_completing_needs_every_read_judged_and_then_freezes_the_review(world) -> None:
    client = _client(world["reviewer"])
    _draw(client, size=2)
    review = LogReview.objects.get()
    url = reverse("logreview:review", args=[review.public_id])
    early = client.post(url, {"complete": "1"}, follow=True)
    assert "Judge every read before completing" in early.content.decode()
    for item in review.items.all():
        _judge(client, review, item, Verdict.JUSTIFIED)
    client.post(url, {"complete": "1"})
    review.refresh_from_db()
    assert review.completed_at is not None
    item = review.items.first()
    late = _judge(client, review, item, Verdict.QUESTIONED, "changed my mind")
    assert "can no longer be changed" in late.content.decode()
    item.refresh_from_db()
    assert item.verdict == Verdict.JUSTIFIED


def test_the_export_is_a_safe_csv_of_the_review(world) -> None:
    client = _client(world["reviewer"])
    _draw(client, size=1)
    review = LogReview.objects.get()
    item = review.items.get()
    _judge(client, review, item, Verdict.QUESTIONED, '=HYPERLINK("http://evil")')
    response = client.get(reverse("logreview:review_export", args=[review.public_id]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["time", "staff"]
    assert rows[1][1] == "t@example.org"
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOG_REVIEW_EXPORTED).count() == 1


def test_another_organisations_reviewer_and_other_roles_get_404(world) -> None:
    _draw(_client(world["reviewer"]))
    review = LogReview.objects.get()
    item = review.items.first()
    for who in ("their_reviewer", "therapist", "admin"):
        client = _client(world[who])
        assert client.get(reverse("logreview:review", args=[review.public_id])).status_code == 404
        assert (
            client.get(reverse("logreview:review_export", args=[review.public_id])).status_code
            == 404
        )
        forged = client.post(
            reverse("logreview:review", args=[review.public_id]),
            {"item": item.pk, "verdict": "justified"},
        )
        assert forged.status_code == 404
    item.refresh_from_db()
    assert item.verdict == Verdict.PENDING
    assert _client(world["therapist"]).get(reverse("logreview:reviews")).status_code == 404


def test_an_item_of_another_review_cannot_be_judged_through_this_one(world) -> None:
    client = _client(world["reviewer"])
    _draw(client, size=1)
    _draw(client, size=1)
    first, second = LogReview.objects.order_by("pk")
    stranger = second.items.get()
    response = client.post(
        reverse("logreview:review", args=[first.public_id]),
        {"item": stranger.pk, "verdict": "justified"},
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.verdict == Verdict.PENDING


def test_protected_identity_filter_keeps_only_reads_of_protected_records(world) -> None:
    from partner.models import PartnerCase
    from partner.services import case_open  # noqa: F401  (the app registers its provider)
    from tests.helpers import enroll, make_programme

    participant = User.objects.get(email="p0@example.org")
    programme = make_programme(modules=1)
    worker = world["therapist"]
    case = PartnerCase.objects.create(
        enrollment=enroll(participant, worker, programme),
        protected_identity=True,
        created_by=worker,
    )
    open_case = PartnerCase.objects.create(
        enrollment=enroll(User.objects.get(email="p1@example.org"), worker, programme),
        protected_identity=False,
        created_by=worker,
    )
    for c in (case, open_case):
        audit_log(
            action=AuditEvent.Action.RECORD_VIEWED,
            actor=world["therapist"],
            subject=participant,
            target_type="partner_case",
            target_id=c.public_id,
            detail="case",
        )
    _draw(_client(world["reviewer"]), protected_only="on")
    review = LogReview.objects.get()
    assert [i.event.target_id for i in review.items.all()] == [str(case.public_id)]


def test_the_admin_menu_counts_questioned_reads_not_yet_followed_up(world) -> None:
    client = _client(world["reviewer"])
    _draw(client, size=1)
    review = LogReview.objects.get()
    _judge(client, review, review.items.get(), Verdict.QUESTIONED, "Why?")
    assert LogReviewItem.objects.filter(verdict=Verdict.QUESTIONED).count() == 1
    page = _client(world["admin"]).get(reverse("accounts:admin_home")).content.decode()
    assert reverse("logreview:questioned") in page


def test_the_reads_name_the_staff_role_in_the_readers_language(world) -> None:
    client = verified_client(world["reviewer"])  # Swedish, the default
    _draw(client, size=1)
    page = client.get(reverse("logreview:review", args=[LogReview.objects.get().public_id]))
    assert "(Terapeut)" in page.content.decode()


def test_a_sample_from_many_reads_is_the_size_asked_distinct_and_all_matching(world) -> None:
    """Hundreds of reads, most of them outside the filters (another organisation, another
    member of staff, another kind of event): the sample holds exactly the number asked, no
    read twice, each one that the filters match; and the drawing reads only the ids drawn
    (two queries, the longest answer the sample itself)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from logreview.selectors import reads_matching
    from logreview.services import sample_ids

    therapist, theirs = world["therapist"], world["their_therapist"]
    ours = [make_user(f"m{n}@example.org", [Role.PARTICIPANT]) for n in range(3)]
    there = Unit.objects.get(organisation__slug="norrby")
    their_person = make_user("o0@example.org", [Role.PARTICIPANT], unit=there)
    for n in range(150):
        record_access(actor=therapist, subject=ours[n % 3], what=f"overview {n}")
        record_access(actor=world["admin"], subject=ours[n % 3], what=f"overview {n}")
        record_access(actor=theirs, subject=their_person, what=f"overview {n}")
        audit_log(action=AuditEvent.Action.LOGIN, actor=therapist)
    today = timezone.localdate()
    matching = set(
        reads_matching(
            units={first_unit().pk}, start=today - timedelta(days=7), end=today, staff=therapist
        ).values_list("pk", flat=True)
    )
    assert len(matching) == 153  # the fixture's three and these 150
    response = _draw(_client(world["reviewer"]), size=120, staff=therapist.pk)
    assert response.status_code == 302
    review = LogReview.objects.get()
    drawn = list(review.items.values_list("event_id", flat=True))
    assert (review.population, review.sample_size, len(drawn)) == (153, 120, 120)
    assert len(set(drawn)) == 120 and set(drawn) <= matching
    reads = reads_matching(
        units={first_unit().pk}, start=today - timedelta(days=7), end=today, staff=therapist
    )
    with CaptureQueriesContext(connection) as captured:
        population, ids = sample_ids(reads, 5)
    assert population == 153 and len(set(ids)) == 5 and set(ids) <= matching
    assert len(captured) == 2


def test_every_read_is_as_likely_to_be_drawn(world) -> None:
    """Three reads, one drawn at a time, 600 times: each read about a third of the time (a
    fair draw lands outside 140–260 for any of them less than once in a million runs), and
    two drawn at once are never the same read."""
    from collections import Counter

    from logreview.selectors import reads_matching
    from logreview.services import sample_ids

    today = timezone.localdate()
    reads = reads_matching(units={first_unit().pk}, start=today - timedelta(days=7), end=today)
    assert reads.count() == 3
    counts = Counter(sample_ids(reads, 1)[1][0] for _ in range(600))
    assert len(counts) == 3 and all(140 <= n <= 260 for n in counts.values()), counts
    for _ in range(50):
        pair = sample_ids(reads, 2)[1]
        assert len(set(pair)) == 2


@pytest.mark.parametrize("item", ["abc", "", "1e3", "99999999999999999999", "-1"])
def test_an_item_that_is_not_a_key_is_404(world, item) -> None:
    """Judged or followed up, an item key that is not one (larger than any key included,
    which the database would refuse rather than not find) is 404, nothing changed."""
    client = _client(world["reviewer"])
    _draw(client, size=1)
    review = LogReview.objects.get()
    response = client.post(
        reverse("logreview:review", args=[review.public_id]),
        {"item": item, "verdict": "justified"},
    )
    assert response.status_code == 404
    assert review.items.get().verdict == Verdict.PENDING
    response = _client(world["admin"]).post(
        reverse("logreview:questioned"), {"item": item, "note": "Talat med"}
    )
    assert response.status_code == 404

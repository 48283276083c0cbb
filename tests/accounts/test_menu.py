"""The main menu: an administrator's dozen pages under three headings (People, Organisation,
Follow-up), every link and its count kept; everyone else's menu a plain list as before."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.navigation import role_homes
from intake.models import Referral
from tests.helpers import in_english, make_referral, make_user, verified_client

pytestmark = pytest.mark.django_db

GROUPS = {
    "Personer": [
        "accounts:admin_home",
        "intake:referrals",
        "administration:participants",
        "partner:admin_cases",
    ],
    "Organisation": [
        "content:programmes",
        "measures:admin_instruments",
        "administration:risk_words",
    ],
    "Uppföljning": [
        "administration:access_log",
        "reports:report",
        "records:erasure_list",
        "logreview:questioned",
    ],
}


def _menu(html: str) -> str:
    return html.split('<nav class="site-nav', 1)[1].split("</nav>", 1)[0]


def _groups(menu: str) -> dict[str, list[str]]:
    """Each heading of the menu and the addresses listed under it."""
    found = {}
    for section in re.findall(r"<section class=\"nav-group\".*?</section>", menu, re.S):
        heading = re.search(r"<h2 id=\"[^\"]+\">([^<]+)</h2>", section)
        assert heading is not None
        found[heading.group(1)] = re.findall(r'<a href="([^"]+)"', section)
    return found


def test_the_administrators_pages_are_grouped_under_three_headings(admin_user):
    make_referral()  # a referral waiting: its count stays beside the link
    menu = _menu(verified_client(admin_user).get("/account/admin/").content.decode())
    assert _groups(menu) == {
        heading: [reverse(name) for name in names] for heading, names in GROUPS.items()
    }
    # Every page the administrator has is in the menu once; none is lost to the grouping.
    listed = re.findall(r'<a href="([^"]+)"', menu)
    assert sorted(listed) == sorted(
        [h["url"] for h in role_homes(admin_user)] + [reverse("accounts:security")]
    )
    waiting = Referral.objects.count()
    referrals = menu.split(f'href="{reverse("intake:referrals")}"', 1)[1].split("</a>", 1)[0]
    assert f'class="badge badge-info">{waiting}<' in referrals
    assert 'href="/account/admin/" aria-current="page"' in menu
    # Headings in lists, named in the page's language.
    assert menu.count("<h2 ") == 3 and "role=" not in menu


def test_the_headings_are_in_english_for_an_english_reader(admin_user):
    client = in_english(verified_client(admin_user))
    menu = _menu(client.get("/account/admin/").content.decode())
    assert list(_groups(menu)) == ["People", "Organisation", "Follow-up"]


@pytest.mark.parametrize("role", [Role.THERAPIST, Role.PARTICIPANT, Role.ORG_LEAD])
def test_other_roles_keep_a_plain_menu(role):
    person = make_user(f"{role}@example.org", [role])
    response = verified_client(person).get(role_homes(person)[0]["url"], follow=True)
    menu = _menu(response.content.decode())
    assert "<h2" not in menu and "nav-group" not in menu
    for home in role_homes(person):
        assert f'href="{home["url"]}"' in menu


def test_an_administrator_who_also_treats_sees_both(admin_user):
    from accounts.services import grant_roles
    from organisations.selectors import first_unit

    grant_roles(admin_user, [Role.ADMIN, Role.THERAPIST], organisation=first_unit().organisation_id)
    menu = _menu(verified_client(admin_user).get("/account/admin/").content.decode())
    plain = menu.split('<div class="nav-groups">', 1)[0]
    assert f'href="{reverse("therapist:home")}"' in plain
    assert f'href="{reverse("messaging:inbox")}"' in plain
    assert list(_groups(menu)) == ["Personer", "Organisation", "Uppföljning"]

"""/cms/ for a logged-in, verified person without an editor's role: the ordinary "not
allowed" page, not a loop between /cms/ and the login page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import verified_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who", ["participant", "therapist", "other_therapist", "partner_worker", "admin"]
)
@pytest.mark.parametrize("path", ["/cms/", "/cms/pages/", "/cms/images/"])
def test_no_editor_role_sees_not_allowed_without_a_loop(cast, who, path):
    client = verified_client(cast[who])
    client.raise_request_exception = False
    response = client.get(path, follow=True)
    hops = [url for url, _status in response.redirect_chain]
    assert len(hops) == len(set(hops)) and len(hops) <= 2, hops  # was /cms/ ⇄ login for ever
    assert response.status_code == 403
    text = response.content.decode()
    assert "Ingen åtkomst" in text and "Du har inte åtkomst till den här sidan." in text
    assert 'name="password"' not in text  # not the login page
    # Still logged in: the person's own pages answer.
    assert client.get("/").status_code == 302


def test_an_editor_gets_the_cms(editor):
    assert verified_client(editor).get("/cms/").status_code == 200


def test_an_anonymous_visitor_is_sent_to_our_login_and_back(db):
    response = Client().get("/cms/pages/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/login/?next=/cms/pages/")
    assert response.status_code == 200 and 'name="password"' in response.content.decode()

"""The e-ID tests' real OpenID Connect provider (tests/oidc.py) and an organisation that uses
it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from organisations.models import IdentityProvider, ParticipantLogin
from organisations.selectors import first_unit
from tests.helpers import make_programme
from tests.oidc import CLIENT_ID, CLIENT_SECRET, LOA3, PIN_CLAIM, Provider, oidc_provider

SLUG = "eid-test"
CALLBACK = f"http://testserver/account/oidc/{SLUG}/login/callback/"


@pytest.fixture(scope="session")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with oidc_provider([CALLBACK], Path(tmp_path_factory.mktemp("oidc"))) as provider:
        yield provider


@pytest.fixture
def eid_row(db: None, oidc: Provider) -> IdentityProvider:
    """The first organisation's e-ID broker (the provider above), LoA3 and up counting as
    both factors; its participants may log in with e-ID or password. A programme to invite
    participants into."""
    make_programme(modules=1, answers_per_module=1)
    unit = first_unit()
    organisation = unit.organisation
    organisation.participant_login = ParticipantLogin.EID_OR_PASSWORD
    organisation.save(update_fields=["participant_login"])
    return IdentityProvider.objects.create(
        organisation=organisation,
        slug=SLUG,
        name="E-legitimation (test)",
        purpose=IdentityProvider.Purpose.EID,
        issuer=oidc.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        identity_claim=PIN_CLAIM,
        accepted_levels=[LOA3, "http://id.elegnamnden.se/loa/1.0/loa4"],
    )

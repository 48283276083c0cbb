"""The client's address: the socket's peer, unless the peer is a trusted proxy. A made-up
X-Forwarded-For neither escapes the per-address limits (login, ask for help) nor puts text
in the access log.

The attacks go through the server as deployed: `served_address` asks daphne itself (its
command-line parser and its header parsing) which client address it would hand the
application for the `web` command in the Procfile and for `make run`. Before the fix both ran
daphne with `--proxy-headers`, which made the left-most X-Forwarded-For the client."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from daphne.cli import CommandLineInterface
from daphne.utils import parse_x_forwarded_for
from django.test import Client

from audit.models import AuditEvent
from audit.network import client_address
from intake.models import Referral
from tests.helpers import PASSWORD, in_english, manage_check

ROOT = Path(__file__).resolve().parent.parent.parent
LOGIN = "/account/login/"
ASK = "/help/"
PEER = "198.51.100.7"  # the attacker's real address
COMMANDS = ["Procfile", "Makefile"]


def _daphne_arguments(name: str) -> list[str]:
    """The arguments daphne gets in the Procfile's `web` line or the Makefile's `run`."""
    lines = [
        line
        for line in (ROOT / name).read_text().splitlines()
        if "daphne " in line and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1, lines
    # The shell's and make's variables: any value will do for parsing.
    words = shlex.split(re.sub(r"\$[({][^)}]*[)}]", "8000", lines[0]))
    start = next(i for i, word in enumerate(words) if word.endswith("daphne"))
    return words[start + 1 :]


def served_address(command: str, peer: str, forwarded_for: str | None) -> str:
    """The address daphne, started as `command` says, gives the application as the client
    (scope["client"], which Django makes REMOTE_ADDR) for a request from `peer`."""
    cli = CommandLineInterface()
    args = cli.parser.parse_args(_daphne_arguments(command))
    headers = {b"x-forwarded-for": [forwarded_for.encode()]} if forwarded_for else {}
    address, _scheme = parse_x_forwarded_for(
        headers,
        cli._get_forwarded_host(args),
        cli._get_forwarded_port(args),
        None,
        [peer, 51000],
        "http",
    )
    return address[0]


def made_up(i: int) -> str:
    return f"203.0.113.{i + 1}"


# --- The deployed commands ---------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_daphne_as_deployed_gives_the_socket_peer_whatever_the_header_says(command):
    for forged in ("203.0.113.9", "<b>x</b>", "10.0.0.1, 203.0.113.9"):
        assert served_address(command, PEER, forged) == PEER


# --- Login: the per-address limit on wrong passwords ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS)
def test_forty_wrong_passwords_from_forty_made_up_addresses_hit_the_limit(command, participant):
    client = in_english(Client())
    answers = []
    for i in range(40):
        forged = made_up(i)
        answers.append(
            client.post(
                LOGIN,
                # Another unknown address each time, so only the per-address limit can stop it.
                {"login": f"guess{i}@example.test", "password": "wrong-password"},
                REMOTE_ADDR=served_address(command, PEER, forged),
                HTTP_X_FORWARDED_FOR=forged,
            )
        )
    evaluated = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED)
    assert evaluated.count() == 10  # ACCOUNT_RATE_LIMITS: login_failed 10/m/ip
    assert set(evaluated.values_list("ip_address", flat=True)) == {PEER}
    refused = answers[10:]
    assert all(
        r.status_code == 429 or "Too many failed login attempts" in r.content.decode()
        for r in refused
    )
    # Even the right password is not tried from that address until the minute has passed.
    forged = made_up(41)
    response = client.post(
        LOGIN,
        {"login": participant.email, "password": PASSWORD},
        REMOTE_ADDR=served_address(command, PEER, forged),
        HTTP_X_FORWARDED_FOR=forged,
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    # Someone at another real address is not affected.
    other = Client()
    response = other.post(
        LOGIN, {"login": participant.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.200"
    )
    assert response.status_code == 302 and "_auth_user_id" in other.session


# --- The ask-for-help form's per-address limit ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS)
def test_thirty_help_requests_from_thirty_made_up_addresses_hit_the_limit(command, settings):
    from tests.helpers import form_data

    settings.INTAKE_RATE_LIMIT_PER_HOUR = 10
    statuses = []
    for i in range(30):
        forged = made_up(i)
        statuses.append(
            Client()
            .post(
                ASK,
                form_data(name=f"Person {i}"),
                REMOTE_ADDR=served_address(command, PEER, forged),
                HTTP_X_FORWARDED_FOR=forged,
            )
            .status_code
        )
    assert statuses == [302] * 10 + [429] * 20
    assert Referral.objects.count() == 10


# --- The access log holds only addresses -----------------------------------------------------


FORGED_TEXT = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "not-an-address",
    "203.0.113.5 OR 1=1",
    "1" * 300,
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("forged", FORGED_TEXT)
def test_text_in_x_forwarded_for_never_reaches_the_access_log(forged, participant, settings):
    # Also with the test client's own address (127.0.0.1) trusted as a proxy: a trusted
    # proxy passing on text is believed only as far as the proxy itself.
    for trusted in ([], ["127.0.0.1"]):
        settings.TRUSTED_PROXIES = trusted
        Client().post(
            LOGIN,
            {"login": participant.email, "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=forged,
        )
    addresses = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).values_list(
            "ip_address", flat=True
        )
    )
    assert addresses == ["127.0.0.1", "127.0.0.1"]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(
    participant, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # The client wrote the first two; the proxies appended the rest.
    Client().post(
        LOGIN,
        {"login": participant.email, "password": "wrong-password"},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.1, 203.0.113.77, 10.1.2.3",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.ip_address == "203.0.113.77"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(settings):
    """The proxy's own address is not everyone's: ten help requests from each of two people
    behind the proxy all go through; the eleventh from one of them does not."""
    from tests.helpers import form_data

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.INTAKE_RATE_LIMIT_PER_HOUR = 10
    for i in range(10):
        for person in ("192.0.2.10", "2001:db8::10"):
            response = Client().post(ASK, form_data(), HTTP_X_FORWARDED_FOR=person)
            assert response.status_code == 302, (i, person)
    assert Client().post(ASK, form_data(), HTTP_X_FORWARDED_FOR="192.0.2.10").status_code == 429


@pytest.mark.django_db
def test_ipv6_clients_and_proxies(participant, settings):
    settings.TRUSTED_PROXIES = ["2001:db8:ffff::/48"]
    Client().post(
        LOGIN,
        {"login": participant.email, "password": "wrong-password"},
        REMOTE_ADDR="2001:db8:ffff::1",
        HTTP_X_FORWARDED_FOR="[2001:db8:1::66]:51234, 2001:db8:ffff::2",
    )
    Client().post(
        LOGIN,
        {"login": participant.email, "password": "wrong-password"},
        REMOTE_ADDR="2001:db8:2::9",  # not a proxy: its header is ignored
        HTTP_X_FORWARDED_FOR="2001:db8:3::3",
    )
    addresses = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).order_by("id")
    assert list(addresses.values_list("ip_address", flat=True)) == [
        "2001:db8:1::66",
        "2001:db8:2::9",
    ]


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("192.0.2.1", "203.0.113.1", [], "192.0.2.1"),
        ("192.0.2.1", None, ["192.0.2.1"], "192.0.2.1"),  # the proxy's own request
        ("192.0.2.1", "203.0.113.1", ["192.0.2.0/24"], "203.0.113.1"),
        ("192.0.2.1", "9.9.9.9, 203.0.113.1, 192.0.2.2", ["192.0.2.0/24"], "203.0.113.1"),
        ("192.0.2.1", "192.0.2.3, 192.0.2.2", ["192.0.2.0/24"], "192.0.2.3"),  # all proxies
        ("192.0.2.1", "garbage", ["192.0.2.0/24"], "192.0.2.1"),
        ("192.0.2.1", "garbage, 192.0.2.2", ["192.0.2.0/24"], "192.0.2.2"),
        ("192.0.2.1", "203.0.113.1:443", ["192.0.2.1"], "203.0.113.1"),
        ("192.0.2.1", " ,203.0.113.1, ", ["192.0.2.1"], "203.0.113.1"),
        ("::ffff:192.0.2.1", "203.0.113.1", ["192.0.2.1"], "203.0.113.1"),
        ("192.0.2.1", "::ffff:203.0.113.1", ["192.0.2.1"], "203.0.113.1"),
        ("fe80::1%eth0", None, [], "fe80::1"),
        ("2001:db8::1", "2001:db8::2", ["2001:db8::1"], "2001:db8::2"),
        ("192.0.2.1", "2001:db8::2", ["2001:db8::/32"], "192.0.2.1"),
        ("not an address", "203.0.113.1", [], None),
        (None, "203.0.113.1", [], None),
        ("", "203.0.113.1", ["0.0.0.0/0"], None),
    ],
)
def test_client_address_rules(peer, header, trusted, expected, settings):
    settings.TRUSTED_PROXIES = trusted
    address = client_address(peer, header)
    assert (str(address) if address is not None else None) == expected


# --- X-Forwarded-Proto -----------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_trusted_proxy_may_say_the_request_came_over_tls(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    direct = Client().get(ASK, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="198.51.100.7")
    assert direct.status_code == 301 and direct["Location"].startswith("https://")
    proxied = Client().get(ASK, HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.5")
    assert proxied.status_code == 200


# --- Start-up ----------------------------------------------------------------------------------


def _start(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage_check(
        {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.org", **extra},
        drop=("DEBUG", "TRUSTED_PROXIES"),
    )


def test_a_proxy_setting_that_would_misread_every_client_stops_start_up():
    result = _start({"BEHIND_TLS_PROXY": "1"})
    assert result.returncode != 0 and "TRUSTED_PROXIES is empty" in result.stderr
    result = _start({"BEHIND_TLS_PROXY": "1", "TRUSTED_PROXIES": "10.0.0.5,proxy.example"})
    assert result.returncode != 0 and "'proxy.example'" in result.stderr
    result = _start({"BEHIND_TLS_PROXY": "1", "TRUSTED_PROXIES": "10.0.0.5, fd00::/64"})
    assert result.returncode == 0, result.stderr

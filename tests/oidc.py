"""A real OpenID Connect provider for the e-ID tests: tools/oidc/provider.mjs (npm's
`oidc-provider`, run with Node) in a child process on a free port of 127.0.0.1, always
stopped; and a browser-less person who picks a demo identity on its page.

Free of Django imports at the top (like tests/servers.py); use_provider imports its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from tests.servers import HOST, REPO, free_port

PROVIDER_SCRIPT = REPO / "tools" / "oidc" / "provider.mjs"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA4 = "http://id.elegnamnden.se/loa/1.0/loa4"
PIN_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
CLIENT_ID = "omtag-test"
CLIENT_SECRET = "omtag-test-secret-0123456789"
OTHER_CLIENT_ID = "another-service"
OTHER_CLIENT_SECRET = "another-service-secret-0123456789"
# Made-up people with valid check digits; none is the number of a real person we know of.
PEOPLE = [
    {"id": "anna", "name": "Anna Testsson", "personnummer": "199001012385"},
    {"id": "bo", "name": "Bo Testsson", "personnummer": "198512242390"},
    {"id": "cecilia", "name": "Cecilia Testsson", "personnummer": "197010102395"},
    # A coordination number (day + 60).
    {"id": "dana", "name": "Dana Testsson", "personnummer": "199001612382"},
]
NUMBERS = {person["id"]: person["personnummer"] for person in PEOPLE}


def node_bin() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("Node is not installed; the e-ID tests run a real provider with it")
    if not (REPO / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("oidc-provider is not installed: run `npm install` (make test does)")
    return found


@dataclass
class Provider:
    issuer: str
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def oidc_provider(
    redirect_uris: Sequence[str],
    log_dir: Path,
    *,
    code_ttl: int | None = None,
    timeout: float = 30.0,
    people: Sequence[Mapping[str, str]] = PEOPLE,
) -> Iterator[Provider]:
    """The provider with two clients (ours and another service's, same redirect URIs) and
    the PEOPLE, until the block ends."""
    port = free_port()
    issuer = f"http://{HOST}:{port}"
    clients = [
        {"client_id": cid, "client_secret": secret, "redirect_uris": list(redirect_uris)}
        for cid, secret in ((CLIENT_ID, CLIENT_SECRET), (OTHER_CLIENT_ID, OTHER_CLIENT_SECRET))
    ]
    env: Mapping[str, str] = {
        **os.environ,
        "PORT": str(port),
        "ISSUER": issuer,
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_PEOPLE": json.dumps(list(people)),
        **({"OIDC_CODE_TTL": str(code_ttl)} if code_ttl else {}),
        "NODE_ENV": "test",
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"oidc-provider-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [node_bin(), str(PROVIDER_SCRIPT)],
            cwd=REPO,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    provider = Provider(issuer=issuer, port=port, log_path=log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OIDC provider exited:\n{provider.log()}")
            try:
                discovery = requests.get(
                    f"{issuer}/.well-known/openid-configuration", timeout=2
                ).json()
                if discovery.get("issuer") == issuer:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the OIDC provider did not start:\n{provider.log()}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


_FORM = re.compile(r'<form method="post" action="([^"]+)">')


def pick_person(
    authorize_url: str,
    person: str,
    *,
    level: str = "loa3",
    amr: str = "",
    back_to: str = "http://testserver/",
    session: requests.Session | None = None,
) -> str:
    """Follow the provider from its authorization URL as a person would: its page, the
    chosen made-up person and level, until it sends the browser back to `back_to`. Returns
    that address (our callback with code and state)."""
    http = session or requests.Session()
    url = authorize_url
    for _ in range(10):
        response = http.get(url, allow_redirects=False, timeout=10)
        if response.status_code == 200 and "Testleverantör" in response.text:
            match = _FORM.search(response.text)
            assert match, response.text
            response = http.post(
                urljoin(url, unescape(match.group(1))),
                data={"person": person, "level": level, **({"amr": amr} if amr else {})},
                allow_redirects=False,
                timeout=10,
            )
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        url = urljoin(url, response.headers["Location"])
        if url.startswith(back_to):
            return url
    raise AssertionError("the provider never sent the person back")


def use_provider(provider: Provider, slug: str) -> Any:
    """The first organisation's e-ID broker: `provider`, with LoA3 and LoA4 counting as both
    factors; its participants may log in with e-ID or password. The IdentityProvider row."""
    from organisations.models import IdentityProvider, ParticipantLogin
    from organisations.selectors import first_unit

    organisation = first_unit().organisation
    organisation.participant_login = ParticipantLogin.EID_OR_PASSWORD
    organisation.save(update_fields=["participant_login"])
    return IdentityProvider.objects.create(
        organisation=organisation,
        slug=slug,
        name="E-legitimation (test)",
        purpose=IdentityProvider.Purpose.EID,
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        identity_claim=PIN_CLAIM,
        accepted_levels=[LOA3, LOA4],
    )


def local_path(url: str) -> str:
    """`url` without scheme and host, for Django's test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")

"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (Server), signing with a key
pair made for the test (cryptography) through Debian's xmlsec1, served over HTTP on
127.0.0.1 from a thread. Omtag reaches it the way a browser does: the SP-initiated login
redirects to its single sign-on address with an AuthnRequest (HTTP-Redirect binding); it
answers with the HTTP-POST binding's form, which the test posts to Omtag's ACS.

What it asserts at the next login is set on `idp.next` (a `Login`): who, with which
AuthnContext, and what should be wrong with the answer (unsigned, signed by another key, for
another audience, expired), so that the tests can try each attack for real."""

from __future__ import annotations

import dataclasses
import html.parser
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"

SMARTCARD = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
EMPLOYEE_ID = "urn:oid:2.16.840.1.113730.3.1.3"  # employeeNumber (inetOrgPerson)

NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
NAME_FORMAT_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"


@dataclasses.dataclass(frozen=True)
class KeyPair:
    key_file: Path
    cert_file: Path

    @property
    def cert_pem(self) -> str:
        return self.cert_file.read_text()


def make_key_pair(directory: Path, name: str) -> KeyPair:
    """An RSA key and a self-signed certificate for it, as PEM files in `directory`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Omtag test IdP {name}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file = directory / f"{name}.key"
    cert_file = directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyPair(key_file=key_file, cert_file=cert_file)


@dataclasses.dataclass
class Login:
    """What the identity provider answers to the next AuthnRequest."""

    email: str = ""
    employee_id: str = ""
    authn_context: str = SMARTCARD
    # NameID: the email address (emailAddress format) unless told otherwise.
    name_id: str | None = None
    sign_assertion: bool = True
    sign_response: bool = False
    # Sign with this key pair instead of the one Omtag trusts.
    other_key: bool = False
    # Address the assertion to another service provider.
    audience: str | None = None
    # How long the assertion is valid; negative: it expired before it was sent.
    lifetime_minutes: int = 5
    # An answer to no request of Omtag's (IdP-initiated, "unsolicited").
    unsolicited: bool = False


class _FormFields(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.action = values.get("action") or ""
        elif tag == "input" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


@dataclasses.dataclass
class Answer:
    """The HTTP-POST binding's form, as a browser would post it."""

    acs_url: str
    fields: dict[str, str]


class SamlIdentityProvider:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.keys = make_key_pair(directory, "idp")
        self.other_keys = make_key_pair(directory, "impostor")
        self._http = ThreadingHTTPServer((HOST, 0), self._handler())
        self.base_url = f"http://{HOST}:{self._http.server_address[1]}"
        self.entity_id = f"{self.base_url}/idp/metadata"
        self.sso_url = f"{self.base_url}/idp/sso"
        self.next = Login()
        self.requests: list[Any] = []
        self._servers: dict[bool, Any] = {}
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def cert_pem(self) -> str:
        return self.keys.cert_pem

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def trust(self, sp_metadata: str) -> None:
        """Load the service provider's metadata (Omtag's /account/saml/<slug>/metadata/)."""
        self._servers = {
            other: self._server(sp_metadata, self.other_keys if other else self.keys)
            for other in (False, True)
        }

    def _server(self, sp_metadata: str, keys: KeyPair) -> Any:
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.server import Server

        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_EMAIL],
                        "want_authn_requests_signed": False,
                        "policy": {"default": {"name_form": NAME_FORMAT_URI}},
                    }
                },
                "key_file": str(keys.key_file),
                "cert_file": str(keys.cert_file),
                "xmlsec_binary": shutil.which("xmlsec1"),
                "metadata": {"inline": [sp_metadata]},
            }
        )
        return Server(config=config)

    # --- The single sign-on endpoint ------------------------------------------------------

    def answer(self, saml_request: str, relay_state: str) -> str:
        from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
        from saml2.assertion import Policy

        login, self.next = self.next, Login()
        server = self._servers[login.other_key]
        request = server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        self.requests.append(request)
        acs_url = request.assertion_consumer_service_url
        sp_entity_id = request.issuer.text
        attributes: dict[str, list[str]] = {}
        if login.email:
            attributes[MAIL] = [login.email]
        if login.employee_id:
            attributes[EMPLOYEE_ID] = [login.employee_id]
        name_id = saml.NameID(
            format=NAMEID_EMAIL if login.name_id is None else saml.NAMEID_FORMAT_UNSPECIFIED,
            text=login.email if login.name_id is None else login.name_id,
        )
        policy = Policy(
            {"default": {"lifetime": {"minutes": login.lifetime_minutes}}},
            mds=server.metadata,
        )
        response = server.create_authn_response(
            identity=attributes,
            in_response_to=None if login.unsolicited else request.id,
            destination=acs_url,
            sp_entity_id=login.audience or sp_entity_id,
            name_id=name_id,
            authn={"class_ref": login.authn_context, "authn_auth": self.entity_id},
            sign_assertion=login.sign_assertion,
            sign_response=login.sign_response,
            release_policy=policy,
            best_effort=True,
            sign_alg=RSA_SHA256,
            digest_alg=SHA256,
        )
        http_args = server.apply_binding(
            BINDING_HTTP_POST, str(response), acs_url, relay_state, response=True
        )
        return str(http_args["data"])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                if url.path != "/idp/sso" or "SAMLRequest" not in query:
                    self.send_error(404)
                    return
                try:
                    body = idp.answer(
                        query["SAMLRequest"][0], query.get("RelayState", [""])[0]
                    ).encode()
                except Exception as error:  # a failed test shows why, not a hung socket
                    self.send_error(500, explain=repr(error))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    # --- What the browser does ------------------------------------------------------------

    def visit(self, redirect_url: str) -> Answer:
        """Follow Omtag's redirect to the provider over HTTP and read the form it answers."""
        assert redirect_url.startswith(self.sso_url), redirect_url
        with urlopen(redirect_url, timeout=30) as response:  # noqa: S310 (our own 127.0.0.1)
            page = response.read().decode()
        form = _FormFields()
        form.feed(page)
        return Answer(acs_url=form.action, fields=form.fields)


def running_identity_provider(directory: Path) -> Iterator[SamlIdentityProvider]:
    idp = SamlIdentityProvider(directory)
    idp.start()
    try:
        yield idp
    finally:
        idp.stop()

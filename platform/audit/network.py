"""Who is on the other end: the one place that decides a request's client address.

The address is the socket's peer. Forwarded headers (`X-Forwarded-For`,
`X-Forwarded-Proto`) are written by whoever sends the request, so they count only when the
peer is one of the proxies named in TRUSTED_PROXIES (addresses or networks; none by
default). Behind such proxies the client is the right-most address in `X-Forwarded-For`
that is not itself a trusted proxy: everything to its left was written by the client and
proves nothing. The answer is always a valid IP address or None, never the header's text:
the per-address limits (login, the ask-for-help form) and the access log rely on it."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES holds {entry!r}, which is neither an IP address nor a "
                "network (write for example 10.0.0.5 or 10.0.0.0/24, comma-separated)."
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def parse_ip(text: object) -> IPAddress | None:
    """A valid address from what a header or the server says, or None. Accepts the forms
    proxies write (`[2001:db8::1]:443`, `192.0.2.1:5000`, an IPv4 address mapped into
    IPv6) and gives the plain address."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.partition(":")[0]
    text = text.partition("%")[0]  # an IPv6 zone id names the server's interface, not the client
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(peer: object, forwarded_for: str | None) -> IPAddress | None:
    """The client of a connection whose socket peer is `peer`, given the `X-Forwarded-For`
    it carried (several headers joined by commas)."""
    address = parse_ip(peer)
    networks = trusted_proxies()
    if address is None or not _is_trusted(address, networks):
        return address
    for hop in reversed((forwarded_for or "").split(",")):
        if not hop.strip():
            continue
        claimed = parse_ip(hop)
        if claimed is None:
            # A trusted proxy passed on something that is no address: the last proxy that
            # spoke is the furthest we can vouch for.
            return address
        address = claimed
        if not _is_trusted(address, networks):
            return address
    # Every hop is a trusted proxy (a health check from the proxy itself): the left-most.
    return address


def request_address(request: HttpRequest) -> IPAddress | None:
    """The request's client address (client_address of its peer and forwarded header)."""
    return client_address(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))


def client_ip(request: HttpRequest | None) -> str | None:
    """The request's client address as text (for the access log and the per-address
    limits), or None when there is no valid one."""
    address = request_address(request) if request is not None else None
    return str(address) if address is not None else None


# One home connection or phone is handed a whole IPv6 /64 (RFC 6177 advises at least a /56
# for a site), and its devices pick new addresses inside it at will; allauth counts its login
# limits per /64 for the same reason (ACCOUNT_RATE_LIMIT_IPV6_PREFIX).
IPV6_LIMIT_PREFIX = 64


def limit_source(request: HttpRequest) -> str:
    """What a per-address limit counts against: an IPv4 client address itself, an IPv6 one
    by its /64 network, so one sender cannot step past the limit by changing address within
    their own network. "unknown" when there is no valid client address."""
    address = request_address(request)
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):  # an IPv4-mapped one is IPv4 already
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_LIMIT_PREFIX}", strict=False))
    return str(address)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    address = parse_ip(request.META.get("REMOTE_ADDR"))
    return address is not None and _is_trusted(address, trusted_proxies())


class ForwardedHeadersMiddleware:
    """Drops `X-Forwarded-Proto` (which SECURE_PROXY_SSL_HEADER reads) from anyone but a
    trusted proxy, so a client that reaches the server directly cannot claim its plain-HTTP
    request came over TLS. First in MIDDLEWARE: SecurityMiddleware reads it next."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not peer_is_trusted_proxy(request):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)

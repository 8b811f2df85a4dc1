"""What the server believes about a request's transport, and what it lets through.

- TrustedProxyMiddleware: behind a TLS-terminating reverse proxy (ROOTMAP_BEHIND_PROXY),
  X-Forwarded-For, -Proto, -Host and -Port are believed only when the connection comes from
  one of ROOTMAP_TRUSTED_PROXIES; from anywhere else they are removed before Django
  (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST), the audit log or the lockout read them.
  Without that, anyone reaching the server directly could claim https, another host name
  or another address (and lock someone else out, or hide in the audit log).
- OnlyGetAndPostMiddleware: the application answers GET and POST only (the API under
  /api/ also PATCH). HEAD, PUT, DELETE, OPTIONS, TRACE... are 405 before any view runs,
  so no view audits them. Under /api/ every 405 is the API's JSON error, with Allow.
- NoStoreMiddleware: every response of the application (not the static files, served
  before it) says `Cache-Control: no-store`, so no browser or proxy cache keeps a page or
  a download that holds client data.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import patch_cache_control

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_FORWARDED")
ALLOWED_METHODS = ("GET", "POST")
# The REST API also changes a record's fields with PATCH (rootmap.web.api).
API_PREFIX = "/api/"
API_METHODS = ("GET", "POST", "PATCH")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(values: Iterable[str], setting: str = "ROOTMAP_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """Addresses or networks (127.0.0.1, ::1, 10.0.0.0/8); a bad one stops start-up, named."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise RuntimeError(f"{setting}: {value!r} is not an IP address or network "
                               f"(for example 127.0.0.1, ::1 or 10.0.0.0/8)") from None
    return tuple(networks)


def is_trusted_proxy(address: str) -> bool:
    """True when ROOTMAP_BEHIND_PROXY is on and `address` is one of the trusted proxies."""
    if not getattr(settings, "BEHIND_PROXY", False):
        return False
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    trusted = parse_proxies(getattr(settings, "TRUSTED_PROXIES", ("127.0.0.1", "::1")))
    return any(parsed.version == net.version and parsed in net for net in trusted)


def forwarded_client(request: HttpRequest) -> str | None:
    """The address the trusted proxy saw: the last hop of X-Forwarded-For, the one that
    proxy appended itself. Anything further left was sent by the client and proves nothing."""
    if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
        return None
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-1] if hops else None


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class OnlyGetAndPostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith(API_PREFIX)
        allowed = API_METHODS if api else ALLOWED_METHODS
        if request.method not in allowed:
            response: HttpResponse = HttpResponseNotAllowed(allowed)
        else:
            response = self.get_response(request)
        if api and response.status_code == 405:
            # An integration reads every refusal of the API as JSON, this one too (a method
            # the server never takes, or one this URL does not: ninja's own plain text).
            return _api_not_allowed(request, response["Allow"] if response.has_header("Allow") else "")
        return response


def _api_not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    from rootmap.web.api.errors import error_body, json_response

    given = {m.strip() for m in allow.split(",") if m.strip()}  # ninja's comes from a set
    methods = ", ".join(sorted(given, key=lambda m: (*API_METHODS, m).index(m)))
    return json_response(405, error_body(
        f"{str(request.method)[:20]} is not an operation of {request.path_info[:200]}; "
        f"it takes {methods or 'no method'} (the operations are listed at /api/v1/openapi.json)"),
        headers={"Allow": methods})


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response

"""`Authorization: Bearer TOKEN` for the API, with the per-token rate limit.

A request with a usable token runs as the token's user (`request.user`), and carries the
token (`request.api_token`) so that every audit entry it writes names the token
(rootmap.web.audit.services.audit_record). Refusals:

- no token, an unknown, expired or revoked one, or one whose user is switched off: 401;
- a read token on an operation that changes records: 403;
- more than ROOTMAP_API_RATE_PER_MINUTE requests in the current minute: 429 with
  Retry-After (seconds to the next minute). The count is kept in Django's cache, per
  process unless a shared cache is configured (decision 0020).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.security import HttpBearer

from rootmap.web.api import tokens
from rootmap.web.api.models import ApiToken

DEFAULT_RATE_PER_MINUTE = 120


class ScopeRefused(Exception):
    """A read token asked to change something."""


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} seconds")
        self.retry_after = retry_after


def rate_per_minute() -> int:
    return int(getattr(settings, "ROOTMAP_API_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))


def count_request(token: ApiToken, now: float | None = None) -> None:
    """Count one request of this token in the current minute; raise RateLimited past the limit."""
    now = time.time() if now is None else now
    window = int(now // 60)
    key = f"rootmap-api-rate:{token.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this is the window's first request
        cache.set(key, 1, timeout=120)
        count = 1
    if count > rate_per_minute():
        raise RateLimited(retry_after=max(1, 60 * (window + 1) - int(now)))


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __init__(self, *, write: bool) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.authenticate(token.strip())
        if found is None:
            return None
        count_request(found)
        if self.write and found.scope != ApiToken.Scope.WRITE:
            raise ScopeRefused()
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found


read_token = TokenAuth(write=False)
write_token = TokenAuth(write=True)

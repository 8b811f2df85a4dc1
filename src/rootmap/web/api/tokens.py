"""Making, revoking and checking personal API tokens; every change with its audit entry.

A token is `rm_` followed by 43 URL-safe characters (32 random bytes). It acts as its
user: the same organisation, role and caseload, so what it may see is decided by the
same selectors as the pages. A read token may read and score; only a write token may
change records. An expired or revoked token, or one whose user is switched off, is
refused as if it did not exist.

>>> issued = token_create(user=u, name="EHR sync", scope="read", expires_days=90)
>>> authenticate(issued.secret).user == u
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.core.limits import name_problem
from rootmap.core.problems import Problem
from rootmap.web.accounts.models import User
from rootmap.web.api.models import ApiToken
from rootmap.web.audit.services import CommandLineActor, audit_record

TOKEN_PREFIX = "rm_"
MAX_EXPIRY_DAYS = 3650
MAX_NAME = 80
# last_used_at is written at most this often per token, so that a busy integration does
# not turn every read into a write (and a queue on SQLite's single writer).
LAST_USED_EVERY = dt.timedelta(minutes=1)


class TokenInputError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its digest is stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _checked(name: str, scope: str, expires_days: int | None) -> list[Problem]:
    problems = []
    name = name.strip()
    if not name:
        problems.append(Problem("name", "must not be empty: say what the token is for", name))
    elif len(name) > MAX_NAME:
        problems.append(Problem("name", f"is {len(name)} characters long; at most {MAX_NAME}", name))
    elif (why := name_problem(name)) is not None:
        # The audit log names every record a token reads by this name: one of zero-width
        # characters reads as no token at all, and a direction control reverses the rest
        # of the entry's detail after it.
        problems.append(Problem("name", why, name))
    if scope not in ApiToken.Scope.values:
        problems.append(Problem("scope", f"{scope!r} is not one of read, write", scope))
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        problems.append(Problem("expires", f"{expires_days} days is outside 1 to {MAX_EXPIRY_DAYS}",
                                expires_days))
    return problems


def token_create(*, user: User, name: str, scope: str, expires_days: int | None,
                 request: HttpRequest | None = None, command_line: CommandLineActor | None = None) -> IssuedToken:
    """A new token for `user`; the secret is in the answer and nowhere else."""
    problems = _checked(name, scope, expires_days)
    if not user.is_active:
        problems.append(Problem("user", f"{user.username} is switched off; a token would not work", user.username))
    if problems:
        raise TokenInputError(problems)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip(), scope=scope, prefix=secret[:10],
                                        digest=digest_of(secret), expires_at=expires_at)
        detail: dict[str, Any] = {"what": "api token", "name": token.name, "scope": scope,
                                  "expires": expires_at.isoformat() if expires_at else None}
        if command_line is not None:
            audit_record(action="create", obj=token, organisation_id=user.organisation_id,
                         command_line=command_line, detail={**detail, "for_user": user.username})
        else:
            audit_record(action="create", request=request, user=user, obj=token, detail=detail)
    return IssuedToken(token=token, secret=secret)


def tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def token_revoke(*, token: ApiToken, user: User, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token (kept, marked revoked, so the audit log's references stay readable)."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(action="change", request=request, user=user, obj=locked,
                         detail={"what": "api token", "name": locked.name, "revoked": True})
    return locked


def authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret, its user loaded; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or not token.usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

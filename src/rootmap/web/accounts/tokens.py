"""The set-up link of an invitation (and of the first administrator, from `rootmap init`).

Django's password-reset token generator with its own salt (a reset link is not an
invitation, nor the other way round) and its own lifetime. Signed with the secret key and
covering the account's password hash, last sign-in, active flag and email, so the link:
- expires (SET_UP_DAYS),
- works once (choosing the password changes the hash; a new invitation sets a new
  unusable password, so an older link stops working),
- dies with a deactivated account.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

SET_UP_DAYS = 7


class SetUpTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "rootmap.web.accounts.tokens.SetUpTokenGenerator"
    max_age = dt.timedelta(days=SET_UP_DAYS)

    def _make_hash_value(self, user, timestamp):  # type: ignore[no-untyped-def]
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def check_token(self, user, token):  # type: ignore[no-untyped-def]
        # As Django's, with this generator's lifetime instead of PASSWORD_RESET_TIMEOUT.
        if not (user and token) or token.count("-") != 1:
            return False
        ts_b36 = token.split("-")[0]
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - ts > self.max_age.total_seconds():
            return False
        return any(constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
                   for secret in [self.secret, *self.secret_fallbacks])


set_up_tokens = SetUpTokenGenerator()


def set_up_path(user) -> str:  # type: ignore[no-untyped-def]
    return reverse("welcome", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                      "token": set_up_tokens.make_token(user)})


def set_up_link(user, *, base_url: str = "") -> str:  # type: ignore[no-untyped-def]
    """The whole link: ROOTMAP_BASE_URL (or `base_url`) and the path."""
    base = (base_url or getattr(settings, "ROOTMAP_BASE_URL", "") or "").rstrip("/")
    return f"{base}{set_up_path(user)}"

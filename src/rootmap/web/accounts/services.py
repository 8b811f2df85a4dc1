"""Writes of the sign-in flow: enrolling and confirming an authenticator, and an
administrator's reset of one.

Enrolment is bound to the session that started it: each session that reaches the
enrolment page gets its own unconfirmed device (a fresh secret), remembered by id in that
session only. Someone else holding the same password sees a different key, and once the
owner confirms theirs every other unconfirmed device is deleted, so a key read elsewhere
can never be confirmed afterwards.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.accounts.models import User
from rootmap.web.audit.services import CommandLineActor, audit_record

DEVICE_NAME = "Authenticator app"
# The session's own enrolment: the id of the unconfirmed device it was shown.
ENROLMENT_SESSION_KEY = "rootmap_enrolment_device_id"
ABANDONED_AFTER = dt.timedelta(days=1)


class EnrolmentClosed(Exception):
    """The user already has a confirmed authenticator (enrolled from another session)."""


class ResetRefused(Exception):
    """`str(error)` says, in the administrator's words, why the reset was not done."""


def totp_device_pending(*, user: User, session: SessionBase) -> TOTPDevice:
    """This session's unconfirmed device: the same one on every reload of this session (so
    the QR code scanned stays valid until confirmed), a new one for any other session."""
    device_id = session.get(ENROLMENT_SESSION_KEY)
    device = None
    if isinstance(device_id, int):
        device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        with transaction.atomic():
            # Enrolments abandoned long ago (their sessions have ended) do not pile up.
            TOTPDevice.objects.filter(user=user, confirmed=False,
                                      created_at__lt=timezone.now() - ABANDONED_AFTER).delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        session[ENROLMENT_SESSION_KEY] = device.pk
    return device


def totp_device_confirm(*, device: TOTPDevice, request: HttpRequest) -> None:
    """Confirm this session's device and delete every other unconfirmed one of the user.

    Raises EnrolmentClosed if another session confirmed a device first (the user row is
    locked, so two sessions confirming at once cannot both win).
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=device.user_id).first()
        if TOTPDevice.objects.filter(user_id=device.user_id, confirmed=True).exists():
            raise EnrolmentClosed()
        updated = TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True)
        if not updated:  # deleted meanwhile, e.g. by an administrator's reset
            raise EnrolmentClosed()
        device.confirmed = True
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
        audit_record(action="change", request=request, user=device.user, obj=device.user,
                     detail={"two_factor": "authenticator enrolled"})
    request.session.pop(ENROLMENT_SESSION_KEY, None)


def authenticator_reset(*, user: User, by: User | None, request: HttpRequest | None,
                        command_line: CommandLineActor | None = None) -> int:
    """Delete every authenticator of `user` and end their sessions: they enrol a new one at
    their next sign-in. Only an administrator of the user's organisation, never for
    themselves (another administrator must), or the command line (`rootmap user
    reset-2fa`, run by whoever runs the server). Returns the number of sessions ended.
    """
    if by is None and command_line is None:
        raise ResetRefused("Say who resets the authenticator.")
    if by is not None and (by.role != User.Role.ADMIN or by.organisation_id is None
                           or by.organisation_id != user.organisation_id):
        raise ResetRefused("Only an administrator of the same organisation can reset an authenticator.")
    if by is not None and by.pk == user.pk:
        raise ResetRefused("You cannot reset your own authenticator: ask another administrator.")
    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user=user)
        had_confirmed = devices.filter(confirmed=True).exists()
        removed = devices.count()
        devices.delete()
        ended = _end_sessions_of(user)
        audit_record(action="change", request=request, user=by, obj=user,
                     organisation_id=user.organisation_id, command_line=command_line,
                     detail={"two_factor": "authenticator reset", "user": user.get_username(),
                             "had_authenticator": had_confirmed, "devices_removed": removed,
                             "sessions_ended": ended})
    return ended


def _end_sessions_of(user: User) -> int:
    """Delete the user's open sessions (database sessions: each is decoded to find its user),
    so a session verified with the old authenticator does not live on. Deleted through the
    configured session store, so a cached copy (`cached_db`) goes too."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(session_key=session.session_key).delete()
            Session.objects.filter(session_key=session.session_key).delete()
            ended += 1
    return ended

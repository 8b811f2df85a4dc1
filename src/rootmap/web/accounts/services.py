"""Writes of the sign-in flow: enrolling and confirming an authenticator."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.accounts.models import User
from rootmap.web.audit.services import audit_record

DEVICE_NAME = "Authenticator app"


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one on every reload, so the QR code
    the user scanned stays valid until they confirm it)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        return device


def totp_device_confirm(*, device: TOTPDevice, request) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        audit_record(action="change", request=request, user=device.user, obj=device.user,
                     detail={"two_factor": "authenticator enrolled"})

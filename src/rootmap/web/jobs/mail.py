"""Email through the queue: a row per message, a Celery task per attempt.

`mail_queue` writes the row (in the caller's transaction) and hands its id to Celery once
that has committed; `mail_attempt` sends it over SMTP. A server that refuses or cannot be
reached is tried again ROOTMAP_MAIL_RETRIES times (3) after ROOTMAP_MAIL_RETRY_SECONDS (30)
doubled each time, then the row is marked failed with a sentence the administrator sees
(the people page: "could not be sent", with "send again"). On the embedded default
(no ROOTMAP_REDIS_URL) Celery runs the task in-process and the retries follow at once.

A mail holds a sentence and a link, never clinical content: callers pass only that.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from rootmap.web.jobs.models import OutgoingMail

log = logging.getLogger("rootmap.mail")


def _dispatch(mail_id: str) -> None:
    from rootmap.web.jobs.tasks import send_queued_mail

    try:
        send_queued_mail.delay(mail_id)
    except Exception as error:  # the broker is down: said on the row, never lost silently
        log.exception("mail %s could not be queued", mail_id)
        OutgoingMail.objects.filter(pk=mail_id).update(
            status=OutgoingMail.Status.FAILED, finished_at=timezone.now(), body="",
            error=f"the mail queue could not be reached ({type(error).__name__})")


def mail_queue(*, to: str, subject: str, body: str, purpose: str, recipient: Any = None,
               dispatch: bool = True) -> OutgoingMail:
    """Record the mail and queue it once the caller's transaction has committed. With
    `dispatch=False` the caller queues it itself (`mail_dispatch`), e.g. after the response."""
    with transaction.atomic():
        mail = OutgoingMail.objects.create(
            to=to, subject=subject[:200], body=body, purpose=purpose, recipient=recipient,
            organisation_id=getattr(recipient, "organisation_id", None))
        if dispatch:
            transaction.on_commit(lambda: _dispatch(str(mail.pk)))
    return mail


def mail_dispatch(mail_id: Any) -> None:
    _dispatch(str(mail_id))


@dataclass(frozen=True)
class MailAttempt:
    status: str
    retry_in: int | None = None


def _max_attempts() -> int:
    return 1 + max(0, int(getattr(settings, "ROOTMAP_MAIL_RETRIES", 3)))


def _retry_delay(attempt: int) -> int:
    return int(getattr(settings, "ROOTMAP_MAIL_RETRY_SECONDS", 30)) * 2 ** (attempt - 1)


def mail_attempt(*, mail_id: str) -> MailAttempt:
    """Try to send one queued mail once."""
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None or mail.status in (OutgoingMail.Status.SENT, OutgoingMail.Status.FAILED):
        return MailAttempt("gone" if mail is None else mail.status)
    mail.attempts += 1
    try:
        send_mail(mail.subject, mail.body, None, [mail.to])
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail %s (%s), attempt %s of %s not sent: %s", mail.pk, mail.purpose, mail.attempts,
                    _max_attempts(), error)
        reason = f"{type(error).__name__}: {error}"[:300]
        if mail.attempts < _max_attempts():
            delay = _retry_delay(mail.attempts)
            mail.status = OutgoingMail.Status.RETRYING
            mail.error = f"Attempt {mail.attempts} of {_max_attempts()} failed ({reason}); trying again in {delay} s."
            mail.save(update_fields=["attempts", "status", "error"])
            return MailAttempt(mail.status, retry_in=delay)
        mail.status, mail.body, mail.finished_at = OutgoingMail.Status.FAILED, "", timezone.now()
        mail.error = (f"Could not be sent after {mail.attempts} attempts ({reason}); check ROOTMAP_EMAIL_URL, "
                      "then send it again.")
        mail.save(update_fields=["attempts", "status", "body", "finished_at", "error"])
        return MailAttempt(mail.status)
    mail.status, mail.body, mail.finished_at, mail.error = OutgoingMail.Status.SENT, "", timezone.now(), ""
    mail.save(update_fields=["attempts", "status", "body", "finished_at", "error"])
    return MailAttempt(mail.status)


def last_invitation_mail(person: Any) -> OutgoingMail | None:
    return OutgoingMail.objects.filter(recipient=person, purpose=OutgoingMail.Purpose.INVITATION).first()


def invitation_mail_failures(organisation_id: int | None,
                             recipients: list[int] | None = None) -> dict[int, OutgoingMail]:
    """Per person of the organisation (or of `recipients` only: one page of the people
    list): their latest invitation mail, when it could not be sent."""
    latest: dict[int, OutgoingMail] = {}
    mails = OutgoingMail.objects.filter(organisation_id=organisation_id, purpose=OutgoingMail.Purpose.INVITATION)
    if recipients is not None:
        mails = mails.filter(recipient_id__in=recipients)
    for mail in mails.order_by("-created_at"):
        if mail.recipient_id is not None:
            latest.setdefault(mail.recipient_id, mail)
    return {pk: m for pk, m in latest.items() if m.status == OutgoingMail.Status.FAILED}

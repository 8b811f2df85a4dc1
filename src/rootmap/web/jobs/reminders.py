"""Follow-up reminders: a digest per person, at most one per person and period.

A clinician's digest counts the clients on their caseload whose follow-up is overdue or
due within 30 days; a supervisor's counts those of the clinicians in the teams they
oversee. Due dates come from rootmap.core.schedule (stored by clients.follow_up, decision 0027),
never from a rule of our own. Each person chooses daily, weekly or none
(ReminderPreference; clinicians default to daily, supervisors to weekly, others none).

The email holds a link and one sentence of counts: never a child's name or anything
clinical. Sending is idempotent: the ReminderSent row (unique per person and period:
"2026-12-02" daily, "2026-W49" weekly) is written in the same transaction as the mail is
handed to the SMTP server, so a second run the same day (cron, a systemd timer and the
worker's scheduler may all run it) sends nothing again, and a mail that could not be
handed over leaves no row, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from rootmap.web.accounts.models import User
from rootmap.web.audit.services import audit_record, command_line_actor
from rootmap.web.clients.models import Client
from rootmap.web.clients.selectors import DUE_SOON_DAYS
from rootmap.web.clients.selectors import follow_up_counts as dashboard_follow_up_counts
from rootmap.web.jobs.models import ReminderPreference, ReminderSent

log = logging.getLogger("rootmap.reminders")

DEFAULT_FREQUENCY = {
    User.Role.CLINICIAN: ReminderPreference.Frequency.DAILY,
    User.Role.SUPERVISOR: ReminderPreference.Frequency.WEEKLY,
}


def frequency_of(user: User) -> str:
    preference = ReminderPreference.objects.filter(user=user).first()
    if preference is not None:
        return preference.frequency
    return DEFAULT_FREQUENCY.get(user.role, ReminderPreference.Frequency.NONE)


def period_of(frequency: str, today: dt.date) -> str:
    if frequency == ReminderPreference.Frequency.WEEKLY:
        year, week, _ = today.isocalendar()
        return f"{year}-W{week:02d}"
    return today.isoformat()


def team_clinician_ids(supervisor: User) -> list[int]:
    """The active members of the teams this supervisor oversees (none: no teams, no digest)."""
    return list(User.objects.filter(organisation_id=supervisor.organisation_id, is_active=True,
                                    teams__supervisors=supervisor)
                .distinct().values_list("pk", flat=True))


def clients_for_digest(user: User) -> QuerySet[Client]:
    clients = Client.objects.filter(organisation_id=user.organisation_id)
    if user.role == User.Role.SUPERVISOR:
        return clients.filter(clinicians__in=team_clinician_ids(user)).distinct()
    return clients.filter(clinicians=user)


@dataclass(frozen=True)
class Counts:
    due_soon: int
    overdue: int


def follow_up_counts(user: User, today: dt.date) -> Counts:
    """From the stored due dates (decision 0027), counted in SQL as the dashboard counts them."""
    visible = Client.objects.filter(pk__in=clients_for_digest(user).values("pk"))
    overdue, due_soon = dashboard_follow_up_counts(visible, today, limit=None)
    return Counts(due_soon=due_soon, overdue=overdue)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def digest_sentence(user: User, counts: Counts) -> str:
    whose = "your teams' caseloads" if user.role == User.Role.SUPERVISOR else "your caseload"
    return (f"On {whose}, {_plural(counts.overdue, 'follow-up is', 'follow-ups are')} overdue and "
            f"{_plural(counts.due_soon, 'falls', 'fall')} due within {DUE_SOON_DAYS} days.")


def digest_link(user: User) -> str:
    # Sent without a request (cron, the worker): ROOTMAP_BASE_URL says where people open Rootmap.
    base = getattr(settings, "ROOTMAP_BASE_URL", "") or "http://127.0.0.1:8000"
    return f"{base}{reverse('home')}?follow_up=overdue"


@dataclass
class SendReport:
    sent: list[ReminderSent] = field(default_factory=list)
    already: int = 0   # sent earlier in the same period
    nothing_due: int = 0
    failed: list[str] = field(default_factory=list)


def _recipients() -> QuerySet[User]:
    return (User.objects.filter(is_active=True, organisation__isnull=False,
                                role__in=[User.Role.CLINICIAN, User.Role.SUPERVISOR])
            .exclude(email="").order_by("pk"))


def reminders_send(*, today: dt.date, users: Any = None) -> SendReport:
    """Send each due digest once per person and period."""
    report = SendReport()
    for user in users if users is not None else _recipients():
        frequency = frequency_of(user)
        if frequency == ReminderPreference.Frequency.NONE or not user.email:
            continue
        period = period_of(frequency, today)
        if ReminderSent.objects.filter(user=user, period=period).exists():
            report.already += 1
            continue
        counts = follow_up_counts(user, today)
        if not (counts.due_soon or counts.overdue):
            report.nothing_due += 1
            continue
        try:
            report.sent.append(_send_one(user, frequency, period, counts))
        except IntegrityError:  # another run sent it in the meantime
            report.already += 1
        except OSError as error:  # SMTP refused or unreachable: no row, the next run tries again
            log.warning("reminder to user %s not sent: %s", user.pk, error)
            report.failed.append(f"{user.username}: {error}")
    return report


def _send_one(user: User, frequency: str, period: str, counts: Counts) -> ReminderSent:
    digest = "weekly" if user.role == User.Role.SUPERVISOR else "daily"
    with transaction.atomic():
        sent = ReminderSent.objects.create(user=user, period=period, digest=digest,
                                           due_soon=counts.due_soon, overdue=counts.overdue,
                                           sent_at=timezone.now())
        # Sent by the installation (cron, a timer or the worker), not by the person it goes to:
        # the actor is the operating-system user and host, the recipient is the record's user.
        audit_record(action="create", obj=sent, organisation_id=user.organisation_id,
                     command_line=command_line_actor(),
                     detail={"reminder": frequency, "period": period, "to_user": user.username,
                             "due_soon": counts.due_soon, "overdue": counts.overdue, "email": True})
        body = (f"{digest_sentence(user, counts)}\n\nSee them in Rootmap: {digest_link(user)}\n\n"
                "You can change how often you get this email on the reminders page.\n")
        send_mail("Rootmap: follow-ups due", body, None, [user.email])
    return sent


def reminders_sent_to(user: User, limit: int = 10) -> list[ReminderSent]:
    return list(ReminderSent.objects.filter(user=user)[:limit])

"""Follow-up reminders through a real SMTP server (aiosmtpd on loopback, tests/mail.py).

The world, worked by hand from clinical-model.md section 8 (due 6 and 12 months after the
first full assessment, then yearly; an ER snapshot does not count) on 20 March 2026:
- Tessa (cleo's): full 2025-09-15, ER 2026-04-22 later: due 2026-03-15, so overdue;
- Poppy (cleo's): full 2025-10-06: due 2026-04-06, 17 days away, so due within 30 days;
- Milo (colin's): full 2025-01-15, follow-ups 2025-07-16 and 2026-01-20: due 2027-01-15,
  nothing to say.
sam supervises a team with cleo in it; nia supervises no team.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.cli import main
from rootmap.web.accounts.models import Team, User
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.services import case_file_import
from rootmap.web.jobs.models import ReminderPreference, ReminderSent
from rootmap.web.jobs.reminders import reminders_send
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_user

DAY = dt.date(2026, 3, 20)  # a Friday, ISO week 12
CHILDREN = ("Tessa", "Poppy", "Milo", "C-0101", "C-0102", "C-0103")


@pytest.fixture
def world(org, settings):
    settings.ROOTMAP_BASE_URL = "https://rootmap.example.org"
    people = {name: make_user(org, name, role) for name, role in
              (("cleo", "clinician"), ("colin", "clinician"), ("sam", "supervisor"), ("nia", "supervisor"),
               ("ada", "admin"))}
    for user in people.values():
        user.email = f"{user.username}@example.org"
        user.save()
    for name in ("adolescent-er.json", "toddler-kinship.json"):
        case_file_import(organisation=org, user=people["cleo"], data=example(name))
    case_file_import(organisation=org, user=people["colin"], data=example("school-age-foster.json"))
    team = Team.objects.create(organisation=org, name="North")
    team.supervisors.add(people["sam"])
    team.members.add(people["cleo"])
    return people


def test_running_twice_on_one_day_sends_one_mail_per_person(world, smtp_server, capsys):
    assert main(["reminders", "send", "--date", DAY.isoformat()]) == 0
    assert capsys.readouterr().out.strip() == "2026-03-20: 2 sent, 0 already sent for this period, 2 with nothing due"
    assert main(["reminders", "send", "--date", DAY.isoformat()]) == 0
    assert capsys.readouterr().out.strip() == "2026-03-20: 0 sent, 2 already sent for this period, 2 with nothing due"

    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == ["cleo@example.org", "sam@example.org"]
    cleo = smtp_server.wait_for(to="cleo@example.org")
    assert "On your caseload, 1 follow-up is overdue and 1 falls due within 30 days." in cleo.body
    assert cleo.links == ["https://rootmap.example.org/?follow_up=overdue"]
    sam = smtp_server.wait_for(to="sam@example.org")
    assert "On your teams' caseloads, 1 follow-up is overdue and 1 falls due within 30 days." in sam.body
    for message in smtp_server.messages:  # a link and a sentence: no child, nothing clinical
        text = message.subject + message.body
        assert not [word for word in CHILDREN if word in text], text
    rows = {(r.user.username, r.period, r.overdue, r.due_soon) for r in ReminderSent.objects.all()}
    assert rows == {("cleo", "2026-03-20", 1, 1), ("sam", "2026-W12", 1, 1)}
    entries = AuditEntry.objects.filter(action="create", object_type="remindersent")
    assert sorted(e.detail["to_user"] for e in entries) == ["cleo", "sam"]
    assert {e.actor_id for e in entries} == {None} and all("@" in e.actor_name for e in entries)


def test_daily_digests_go_each_day_and_weekly_ones_once_a_week(world, smtp_server):
    for day in (DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=3)):  # Fri, Sat, next Mon
        reminders_send(today=day)
    assert len(smtp_server.to("cleo@example.org")) == 3
    assert len(smtp_server.to("sam@example.org")) == 2  # weeks 12 and 13
    assert sorted(ReminderSent.objects.filter(user=world["sam"]).values_list("period", flat=True)) == \
        ["2026-W12", "2026-W13"]


def test_a_person_who_chose_none_gets_nothing_and_the_page_and_dashboard_list_what_was_sent(
        world, smtp_server):
    cleo = HttpClient()
    cleo.force_login(world["cleo"])
    saved = cleo.post(reverse("reminder-settings"), {"frequency": "none"})
    assert saved.status_code == 302
    assert ReminderPreference.objects.get(user=world["cleo"]).frequency == "none"
    reminders_send(today=DAY)
    assert smtp_server.to("cleo@example.org") == []

    sam = HttpClient()
    sam.force_login(world["sam"])
    page = sam.get(reverse("reminder-settings")).content.decode()
    assert "For the week of 16 Mar 2026 (weekly digest" in page and "1 overdue, 1 due within 30 days" in page
    dashboard = sam.get(reverse("home")).content.decode()
    assert "Reminders sent to you" in dashboard and "For the week of 16 Mar 2026" in dashboard


def test_a_choice_that_is_not_offered_is_refused_naming_the_field(world):
    cleo = HttpClient()
    cleo.force_login(world["cleo"])
    response = cleo.post(reverse("reminder-settings"), {"frequency": "hourly"})
    assert response.status_code == 422
    assert "How often: choose one of every day, once a week (mondays), never." in response.content.decode()
    assert not ReminderPreference.objects.exists()


def test_a_mail_the_server_did_not_take_is_sent_by_the_next_run(world, smtp_server, settings, capsys):
    from tests.mail import free_port

    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert main(["reminders", "send", "--date", DAY.isoformat()]) == 1
    assert "not sent: cleo" in capsys.readouterr().err
    assert not ReminderSent.objects.exists() and smtp_server.messages == []
    settings.EMAIL_PORT = good_port
    assert main(["reminders", "send", "--date", DAY.isoformat()]) == 0
    assert len(smtp_server.to("cleo@example.org")) == 1 and ReminderSent.objects.count() == 2


def test_a_bad_date_is_refused_naming_it(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["reminders", "send", "--date", "20/03/2026"])
    assert stopped.value.code == 2
    assert "'20/03/2026' is not a date as YYYY-MM-DD" in capsys.readouterr().err


def test_a_deactivated_person_gets_no_reminder(world, smtp_server):
    User.objects.filter(pk=world["cleo"].pk).update(is_active=False)
    reminders_send(today=DAY)
    assert smtp_server.to("cleo@example.org") == []
    # Her team's clients have no active clinician in sam's teams now: nothing for sam either.
    assert smtp_server.to("sam@example.org") == []

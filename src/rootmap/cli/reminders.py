"""`rootmap reminders send [--date D]`: email each due follow-up digest, once per person and
period (safe to run from cron, a systemd timer and the worker's scheduler at once)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    send = sub.add_parser("send", help="send the digests due today (or on --date)")
    send.add_argument("--date", type=_date, default=None,
                      help="the day to send for, YYYY-MM-DD (default: today, UTC)")


def run(args: argparse.Namespace) -> int:
    from rootmap.cli._web import setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap reminders: {problem}", file=sys.stderr)
        return 2
    from django.db import DatabaseError
    from django.utils import timezone

    from rootmap.web.jobs.reminders import reminders_send

    today = args.date or timezone.localdate()
    try:
        report = reminders_send(today=today)
    except DatabaseError as error:
        print(f"rootmap reminders: the database cannot be used: {error}", file=sys.stderr)
        return 2
    print(f"{today}: {len(report.sent)} sent, {report.already} already sent for this period, "
          f"{report.nothing_due} with nothing due")
    for failure in report.failed:
        print(f"rootmap reminders: not sent: {failure}", file=sys.stderr)
    return 1 if report.failed else 0

"""When the next follow-up assessment falls due (clinical-model.md section 8)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rootmap.core.ages import add_months
from rootmap.instruments import Instrument, current

__all__ = ["FollowUpStatus", "follow_up_status"]


@dataclass(frozen=True, slots=True)
class FollowUpStatus:
    next_due: date | None   # None: no full assessment yet, so nothing is scheduled
    overdue: bool


def _months_after_baseline(instrument: Instrument, done: int) -> int:
    """Months from the first full assessment to the due date of follow-up number `done` + 1."""
    schedule = instrument.follow_up
    first = schedule.first_due_months
    if done < len(first):
        return first[done]
    return first[-1] + (done - len(first) + 1) * schedule.then_every_months


def follow_up_status(assessments: Iterable[tuple[str, date]], today: date) -> FollowUpStatus:
    """Next due date from (kind, date) pairs; an `er` snapshot does not reset the schedule.

    Follow-ups fall due 6 and 12 months after the first full assessment, then every 12
    months; each follow-up done (or later full assessment) satisfies the next due date.
    """
    instrument = current()
    ordered = sorted(assessments, key=lambda pair: pair[1])
    baseline = next((d for kind, d in ordered if kind == "full"), None)
    if baseline is None:
        return FollowUpStatus(None, False)
    done = sum(1 for kind, d in ordered if kind in ("follow_up", "full") and d > baseline)
    due = add_months(baseline, _months_after_baseline(instrument, done))
    return FollowUpStatus(due, today > due)

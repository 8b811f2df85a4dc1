"""The adverse-events list and its rows for new events, as the events page and the
assessment entry page show them (view models only; writes go through the services)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from rootmap.core.events import months_at_date, months_in_words
from rootmap.core.problems import Problem
from rootmap.instruments import current
from rootmap.web.clients.forms import EVENT_FIELD_LABELS, NEW_EVENT_ROWS, EventFormSet
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import event_fingerprint

MAX_NEW_ROWS = 30


@dataclass(frozen=True)
class EventLine:
    position: int          # 1-based, as in the page's URLs
    category: str
    onset: str
    end: str
    severity: int | None
    note: str
    source: str
    fingerprint: str
    edit_url: str
    remove_url: str


@dataclass
class EventsPanel:
    client: Client
    lines: list[EventLine]
    formset: Any
    current_age: str
    action_url: str
    return_to: str = ""
    problems: list[str] = field(default_factory=list)
    saved: str = ""


def _category_labels() -> dict[str, str]:
    # Events belong to the client, not to one assessment: named as the current version does
    # (every version keeps the same category ids, rootmap.instruments.check).
    return dict(current().event_categories)


def _timing(event: dict[str, Any]) -> tuple[str, str]:
    onset, end = event.get("onset_months"), event.get("end_months")
    onset_text = months_in_words(onset) if isinstance(onset, int) else "?"
    if end is None:
        end_text = "ongoing"
    elif end == onset or (isinstance(onset, int) and isinstance(end, int) and end == onset + 1):
        end_text = "one-off"
    else:
        end_text = months_in_words(end) if isinstance(end, int) else "?"
    return onset_text, end_text


def event_lines(client: Client, *, return_to: str = "") -> list[EventLine]:
    """The client's events in stored order (positions are stable until one is removed)."""
    labels = _category_labels()
    query = "?" + urlencode({"return_to": return_to}) if return_to else ""
    lines = []
    for position, event in enumerate(client.events or [], start=1):
        onset, end = _timing(event)
        lines.append(EventLine(
            position=position,
            category=labels.get(event.get("category", ""), str(event.get("category", ""))),
            onset=onset, end=end, severity=event.get("severity"),
            note=event.get("note", ""), source=event.get("source", ""),
            fingerprint=event_fingerprint(event),
            edit_url=reverse("client-event-edit", args=[client.pk, position]) + query,
            remove_url=reverse("client-event-remove", args=[client.pk, position]) + query,
        ))
    return lines


def new_rows(client: Client, today: dt.date, *, data: Any = None, rows: Any = None) -> Any:
    """The formset of rows for new events (`rows` of them when given, within bounds)."""
    formset = EventFormSet(data, prefix="events",
                           form_kwargs={"birth_date": client.birth_date, "today": today})
    if data is None:
        wanted = (int(rows) if isinstance(rows, str) and rows.isascii() and rows.isdigit() and len(rows) < 3
                  else NEW_EVENT_ROWS)
        formset.extra = max(1, min(wanted, MAX_NEW_ROWS))
    return formset


def field_messages(form: Any, where: str) -> list[str]:
    """A form's problems naming where and the field: "Row 2, Onset: ..."."""
    messages = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else ", " + EVENT_FIELD_LABELS.get(name, name)
        messages.extend(f"{where}{label}: {error}" for error in errors)
    return messages


def row_messages(formset: Any) -> list[str]:
    """Every problem of the rows, naming the row and the field: "Row 2, Onset: ..."."""
    messages = [str(e) for e in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        messages.extend(field_messages(form, f"Row {number}"))
    return messages


_ROW_PATH = re.compile(r"^events\[(\d+)\](?:\.(\w+))?")


def problem_messages(problems: Sequence[Problem], *, rows: Sequence[int] | None = None,
                     noun: str = "Row") -> list[str]:
    """The service's problems (paths `events[N].field`) in the rows' words.

    `rows` maps N to the row number on the page (the filled rows, when empty rows were skipped).
    """
    messages = []
    for problem in problems:
        match = _ROW_PATH.match(problem.path)
        if match is None:
            messages.append(problem.message[:1].upper() + problem.message[1:])
            continue
        n = int(match.group(1))
        number = rows[n] if rows is not None and n < len(rows) else n + 1
        label = EVENT_FIELD_LABELS.get(match.group(2) or "", match.group(2) or "")
        messages.append(f"{noun} {number}{', ' + label if label else ''}: {problem.message}")
    return messages


def events_panel(client: Client, *, today: dt.date, action_url: str, return_to: str = "",
                 formset: Any = None, problems: Sequence[str] = (), saved: str = "",
                 rows: Any = None) -> EventsPanel:
    current = months_at_date(birth_date=client.birth_date, on=today)
    return EventsPanel(
        client=client,
        lines=event_lines(client, return_to=return_to),
        formset=formset if formset is not None else new_rows(client, today, rows=rows),
        current_age=months_in_words(current),
        action_url=action_url,
        return_to=return_to,
        problems=list(problems),
        saved=saved,
    )

"""Forms for client details, adverse events and case-file upload."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from rootmap.core.events import months_at_date, months_from_age, timing_problems
from rootmap.core.fields import birth_date_problem
from rootmap.core.limits import MAX_FILE_BYTES, name_problem, read_document_json
from rootmap.core.problems import CaseFileError
from rootmap.instruments import current
from rootmap.web.access import as_pk
from rootmap.web.accounts.models import User
from rootmap.web.clients.selectors import clinicians_of

MAX_UPLOAD_BYTES = MAX_FILE_BYTES


class ClinicianChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return str(obj)

    def _check_values(self, value: Any) -> Any:
        # Refuse what cannot be an id before it reaches the database (SQLite overflows).
        for pk in value:
            if as_pk(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)


def _named(text: str) -> str:
    problem = name_problem(text)
    if problem:
        raise forms.ValidationError(problem)
    return text


class ClientForm(forms.Form):
    display_name = forms.CharField(label="Name", max_length=120,
                                   help_text="The name the family and team use.")
    reference = forms.CharField(label="Client id", max_length=40,
                                help_text="Your organisation's own id, for example C-0042.")
    birth_date = forms.DateField(label="Birth date", input_formats=["%Y-%m-%d"],
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    interests = forms.CharField(
        label="Interests", required=False, max_length=1000,
        help_text="Separated by commas, for example: music, dogs, football. "
                  "Activities that match an interest are preferred in the plan.",
    )
    clinicians = ClinicianChoiceField(
        label="Caseload", queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Clinicians who carry this client. Only colleagues of your organisation are listed.",
    )

    def __init__(self, *args: Any, organisation_id: int | None, can_assign: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_assign:
            self.fields["clinicians"].queryset = clinicians_of(organisation_id)
        else:
            del self.fields["clinicians"]

    def clean_display_name(self) -> str:
        return _named(self.cleaned_data["display_name"])

    def clean_reference(self) -> str:
        return _named(self.cleaned_data["reference"])

    def clean_birth_date(self) -> dt.date:
        birth_date: dt.date = self.cleaned_data["birth_date"]
        problem = birth_date_problem(birth_date, today=timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return birth_date

    def clean_interests(self) -> list[str]:
        raw = self.cleaned_data.get("interests") or ""
        interests = [part.strip() for part in raw.split(",") if part.strip()]
        for interest in interests:
            if len(interest) > 60:
                raise forms.ValidationError(f"{interest[:20]}… is longer than 60 characters")
        if len(interests) > 50:
            raise forms.ValidationError("At most 50 interests")
        return interests


class CaseFileUploadForm(forms.Form):
    case_file = forms.FileField(
        label="Case file (JSON)",
        help_text="A Rootmap case file (format rootmap-case/1), for example one exported from another organisation.",
    )

    def clean_case_file(self) -> Any:
        upload = self.cleaned_data["case_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; a case file is far smaller.")
        try:
            # The same limits as the command line: UTF-8, nesting, numbers (rootmap.core.limits).
            return read_document_json(upload.read(), max_bytes=MAX_UPLOAD_BYTES)
        except CaseFileError as error:
            raise forms.ValidationError([f"The file {p.message}" if p.path == "$" else str(p)
                                         for p in error.problems]) from None


def _event_category_choices() -> list[tuple[str, str]]:
    # Events belong to the client, not to one assessment: named as the current version does
    # (every version keeps the same category ids, rootmap.instruments.check).
    return list(current().event_categories.items())


_CATEGORY_CHOICES = [("", "Choose…"), *_event_category_choices()]


class _AgeYears(forms.IntegerField):
    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, min_value=0, max_value=20,
                         widget=forms.NumberInput(attrs={"class": "input--short", "inputmode": "numeric"}))


class _AgeMonths(forms.IntegerField):
    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, min_value=-9, max_value=11,
                         widget=forms.NumberInput(attrs={"class": "input--short", "inputmode": "numeric"}))


class _When(forms.DateField):
    def __init__(self, label: str) -> None:
        super().__init__(label=label, required=False, input_formats=["%Y-%m-%d"],
                         widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


# What a clinician calls each part of a row, for messages that name the field.
EVENT_FIELD_LABELS = {
    "category": "Category", "severity": "Severity", "note": "Note", "source": "Source",
    "onset_age_years": "Onset", "onset_age_months": "Onset", "onset_date": "Onset", "onset_months": "Onset",
    "end_age_years": "End", "end_age_months": "End", "end_date": "End", "end_months": "End",
}


class EventForm(forms.Form):
    """One adverse event, its onset and end entered as an age (years and months) or a date.

    Both become months of age from the client's birth date (rootmap.core.events); the
    core's timing rules are checked against the client's age today. Severity has no
    default: a forgotten choice is refused, never stored as "mild".
    """

    category = forms.ChoiceField(label="Category", choices=(),
                                 error_messages={"required": "Choose the kind of event."})
    onset_age_years = _AgeYears("Onset age: years")
    onset_age_months = _AgeMonths("and months")
    onset_date = _When("or onset date")
    end_age_years = _AgeYears("End age: years")
    end_age_months = _AgeMonths("and months")
    end_date = _When("or end date")
    severity = forms.TypedChoiceField(
        label="Severity", coerce=int, empty_value=None,
        choices=[("", "Choose…"), (1, "1 mild"), (2, "2 moderate"), (3, "3 severe"), (4, "4 extreme")],
        error_messages={"required": "Choose a severity, from 1 mild to 4 extreme."},
    )
    note = forms.CharField(label="Note", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label="Source", required=False, max_length=200)

    def __init__(self, *args: Any, birth_date: dt.date, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _CATEGORY_CHOICES
        self.birth_date = birth_date
        self.current_age = months_at_date(birth_date=birth_date, on=today)
        self.months: dict[str, int | None] = {"onset": None, "end": None}

    def _months(self, part: str) -> tuple[int | None, str | None]:
        """Months of age for "onset" or "end", and the field to put a problem beside."""
        data = self.cleaned_data
        years, months, on = data.get(f"{part}_age_years"), data.get(f"{part}_age_months"), data.get(f"{part}_date")
        typed_age = years is not None or months is not None
        if any(f"{part}_{name}" in self.errors for name in ("age_years", "age_months", "date")):
            return None, None  # already refused, field by field
        if on is not None and typed_age:
            self.add_error(f"{part}_date", "Give the age or the date, not both.")
            return None, None
        if on is not None:
            return months_at_date(birth_date=self.birth_date, on=on), f"{part}_date"
        if not typed_age:
            return None, f"{part}_age_years"
        if (years or 0) > 0 and (months or 0) < 0:
            self.add_error(f"{part}_age_months",
                           "Before birth is 0 years and -9 to -1 months; after birth months are 0 to 11.")
            return None, None
        return months_from_age(years=years or 0, months=months or 0), f"{part}_age_years"

    def clean(self) -> dict[str, Any]:
        super().clean()
        onset, onset_field = self._months("onset")
        end, end_field = self._months("end")
        if onset is None:
            if onset_field is not None:
                self.add_error(onset_field, "Give the onset: the age (years and months) or the date.")
            return self.cleaned_data
        for problem in timing_problems(onset=onset, end=end, current_age=self.current_age):
            field = onset_field if problem.field == "onset_months" else end_field
            self.add_error(field, problem.message[:1].upper() + problem.message[1:] + ".")
        self.months = {"onset": onset, "end": end}
        return self.cleaned_data

    def as_event(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "onset_months": self.months["onset"],
            "end_months": self.months["end"],
            "severity": data["severity"],
            "note": data.get("note", ""),
            "source": data.get("source", ""),
        }


def event_initial(event: dict[str, Any]) -> dict[str, Any]:
    """A stored event as the form shows it: ages in years and months."""
    initial: dict[str, Any] = {key: event.get(key) for key in ("category", "severity", "note", "source")}
    for part in ("onset", "end"):
        months = event.get(f"{part}_months")
        if isinstance(months, int):
            years, rest = divmod(months, 12) if months >= 0 else (0, months)
            initial[f"{part}_age_years"], initial[f"{part}_age_months"] = years, rest
    return initial


class EventRowsFormSet(forms.BaseFormSet):
    """Rows for new events. Rows left empty are skipped; filled ones are checked in full."""

    def filled_forms(self) -> list[EventForm]:
        return [form for form in self.forms if form.has_changed()]

    def total_form_count(self) -> int:
        count = super().total_form_count()
        shown = len(self.initial or []) + self.extra
        if self.is_bound and count >= self.absolute_max > shown:
            # A forged TOTAL_FORMS beyond the maximum: Django refuses the formset ("at most
            # 30") and would still build and render the maximum of blank rows; the page
            # shows the rows it offers instead.
            return shown
        return count


# Several new events in one save. absolute_max bounds the forms built from a forged
# TOTAL_FORMS as well (Django's default allows 1,000 more than max_num, slow to build).
NEW_EVENT_ROWS = 3
EventFormSet = forms.formset_factory(EventForm, formset=EventRowsFormSet, extra=NEW_EVENT_ROWS,
                                     max_num=30, absolute_max=30, validate_max=True)

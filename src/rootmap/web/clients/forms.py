"""Forms for client details, adverse events and case-file upload."""

from __future__ import annotations

from typing import Any

from django import forms

from rootmap.core.limits import MAX_FILE_BYTES, read_document_json
from rootmap.core.problems import CaseFileError
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
    from rootmap.instruments import load_instrument

    return list(load_instrument("1").event_categories.items())


_CATEGORY_CHOICES = [("", "Choose…"), *_event_category_choices()]


class EventForm(forms.Form):
    category = forms.ChoiceField(label="Category", choices=())
    onset_months = forms.IntegerField(
        label="Onset (months of age)", min_value=-9, max_value=251,
        help_text="-9 to 0 for before birth.",
    )
    end_months = forms.IntegerField(label="End (months)", required=False, min_value=-9, max_value=252,
                                    help_text="Empty when ongoing.")
    severity = forms.TypedChoiceField(
        label="Severity", coerce=int,
        choices=[(1, "1 mild"), (2, "2 moderate"), (3, "3 severe"), (4, "4 extreme")],
    )
    note = forms.CharField(label="Note", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label="Source", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _CATEGORY_CHOICES

    def as_event(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "onset_months": data["onset_months"],
            "end_months": data.get("end_months"),
            "severity": data["severity"],
            "note": data.get("note", ""),
            "source": data.get("source", ""),
        }


class _EventFormSetBase(forms.BaseFormSet):
    def total_form_count(self) -> int:
        count = super().total_form_count()
        shown = len(self.initial or []) + self.extra
        if self.is_bound and count >= self.absolute_max > shown:
            # A forged TOTAL_FORMS beyond the maximum: Django refuses the formset ("at most
            # 200"), and would still build and render 200 blank rows (seconds of CPU per
            # request); the page shows the rows it sent instead.
            return shown
        return count


# absolute_max bounds the forms built from a forged TOTAL_FORMS as well (Django's default
# allows 1,000 more than max_num, slow to build and render).
EventFormSet = forms.formset_factory(EventForm, formset=_EventFormSetBase, extra=1, can_delete=True, max_num=200,
                                     absolute_max=200, validate_max=True)

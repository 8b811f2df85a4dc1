from django import forms

from rootmap.web.audit.services import ACTIONS


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="User name", required=False, max_length=150)
    action = forms.ChoiceField(
        label="Action", required=False,
        choices=[("", "Any action")] + [(a, a.replace("_", " ")) for a in ACTIONS],
        error_messages={"invalid_choice": "Choose one of the listed actions."},
    )
    client = forms.CharField(label="Client (reference or id)", required=False, max_length=40)
    date_from = forms.DateField(label="From", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "Enter a date as YYYY-MM-DD."})
    date_to = forms.DateField(label="To", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "Enter a date as YYYY-MM-DD."})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

"""Forms of the administrators' people and team pages; the rules are in accounts.people."""

from __future__ import annotations

from django import forms

from rootmap.web.access import as_pk
from rootmap.web.accounts.models import User

ROLE_CHOICES = User.Role.choices


class PersonChoiceField(forms.ModelChoiceField):
    """A colleague by id; a value that cannot be an id (huge, text) is "not in the list"
    before any query (SQLite raises on integers beyond 64 bits)."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        if value in self.empty_values:
            return None
        if as_pk(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):  # type: ignore[no-untyped-def]
        if not isinstance(value, (list, tuple)):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        for each in value:
            if as_pk(each) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": each})
        return super()._check_values(value)


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254,
                             error_messages={"required": "Enter their email address.",
                                             "invalid": "Enter an email address, like name@example.org."})
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=User.Role.CLINICIAN,
                             error_messages={"invalid_choice": "Choose administrator, supervisor or clinician."})
    username = forms.CharField(label="User name (optional: the email address otherwise)", max_length=150,
                               required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES,
                             error_messages={"invalid_choice": "Choose administrator, supervisor or clinician."})


class DeactivateForm(forms.Form):
    reassign_to = PersonChoiceField(
        label="Move their clients to", queryset=User.objects.none(), required=False,
        empty_label="Nobody (leave the clients unassigned from them later)",
        error_messages={"invalid_choice": "Choose an active colleague from the list."})
    password = forms.CharField(label="Your password", widget=forms.PasswordInput, strip=False,
                               error_messages={"required": "Enter the password you sign in with."})

    def __init__(self, *args, colleagues=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if colleagues is not None:
            self.fields["reassign_to"].queryset = colleagues


class TeamForm(forms.Form):
    name = forms.CharField(label="Team name", max_length=120,
                           error_messages={"required": "Give the team a name."})
    supervisors = PeopleChoiceField(
        label="Supervisors who oversee it", queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose supervisors from the list.",
                        "invalid_list": "Choose supervisors from the list.",
                        "invalid_pk_value": "Choose supervisors from the list."})
    members = PeopleChoiceField(
        label="Clinicians in it", queryset=User.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose clinicians from the list.",
                        "invalid_list": "Choose clinicians from the list.",
                        "invalid_pk_value": "Choose clinicians from the list."})

    def __init__(self, *args, organisation_id=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        people = User.objects.filter(organisation_id=organisation_id, is_active=True).order_by("username")
        self.fields["supervisors"].queryset = people.filter(role=User.Role.SUPERVISOR)
        self.fields["members"].queryset = people.filter(role=User.Role.CLINICIAN)

"""Sign-in forms: the password step, and the six-digit code of the second step."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "That user name and password do not match an active account. "
                         "Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your organisation's administrator.",
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code", max_length=6, min_length=6, strip=True,
        widget=forms.TextInput(attrs={
            "inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}",
            "autofocus": True,
        }),
        error_messages={
            "required": "Enter the six-digit code your authenticator app shows now.",
            "min_length": "The code has six digits.",
            "max_length": "The code has six digits.",
        },
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError("The code is six digits (0-9), nothing else.")
        return code

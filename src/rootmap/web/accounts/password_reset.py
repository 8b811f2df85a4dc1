"""Password reset by email, with Django's own views and token generator.

Nothing on the pages tells whether an address belongs to an account: the same "check your
mail" page follows every request. Requests are rate-limited per address and per email
address, counted in the audit log (shared by every server process and both databases):
beyond the limit the same page is shown and no mail goes out. Each request and each reset
is audited. The mail holds a sentence and the link, nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_http_methods

from rootmap.web.accounts.models import User
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_record, client_ip

# Requests per hour: from one address, and for one email address (whoever asks).
PER_ADDRESS_PER_HOUR = 5
PER_EMAIL_PER_HOUR = 3
ACTION = "password_reset"
logger = logging.getLogger("rootmap.mail")


class ForgotPasswordForm(auth_forms.PasswordResetForm):
    email = auth_forms.forms.EmailField(
        label="Email address", max_length=254,
        widget=auth_forms.forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={"required": "Enter the email address of your Rootmap account.",
                        "invalid": "Enter an email address, like name@example.org."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queued: list[Any] = []  # the mails written, handed to the queue after the response

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        """Django's form renders the message; the queue sends it (retried, recorded)."""
        from django.template import loader

        from rootmap.web.jobs.mail import mail_queue
        from rootmap.web.jobs.models import OutgoingMail

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        self.queued.append(mail_queue(to=to_email, subject=subject, body=body, dispatch=False,
                                      purpose=OutgoingMail.Purpose.PASSWORD_RESET, recipient=context.get("user")))


def _too_many(*, address: str | None, email: str) -> bool:
    since = timezone.now() - dt.timedelta(hours=1)
    asked = AuditEntry.objects.filter(action=ACTION, at__gte=since, detail__step="requested")
    if address and asked.filter(ip_address=address).count() >= PER_ADDRESS_PER_HOUR:
        return True
    return asked.filter(detail__email=email.lower()).count() >= PER_EMAIL_PER_HOUR


def link_base() -> tuple[str | None, bool | None]:
    """(domain, https) for links in mail from ROOTMAP_BASE_URL, or (None, None): the request's."""
    base = getattr(settings, "ROOTMAP_BASE_URL", "")
    if not base:
        return None, None
    parts = urlsplit(base)
    return parts.netloc, parts.scheme == "https"


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class ForgotPasswordView(auth_views.PasswordResetView):
    form_class = ForgotPasswordForm
    template_name = "accounts/password_forgot.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"].strip()
        address = client_ip(self.request)
        matches = list(User.objects.filter(email__iexact=email, is_active=True))
        refused = _too_many(address=address, email=email)
        with transaction.atomic():
            # The organisation of the account asked for, so its administrators see attempts.
            audit_record(action=ACTION, request=self.request,
                         organisation_id=matches[0].organisation_id if len(matches) == 1 else None,
                         detail={"step": "requested", "email": email.lower(),
                                 "account_found": bool(matches), "refused": "rate limit" if refused else ""})
        if not refused:
            self._write(form)
        response = HttpResponseRedirect(self.get_success_url())
        # The mail is handed to the queue once the response has gone (the server closes it
        # after writing it): on the embedded default the SMTP dialogue then runs in this
        # process, and the answer comes as fast whether or not an account was found. A mail
        # that cannot be sent is retried, then recorded as failed; the page is the same.
        from rootmap.web.jobs.mail import mail_dispatch

        for mail in form.queued:
            response._resource_closers.append(lambda pk=mail.pk: mail_dispatch(pk))
        return response

    def _write(self, form: Any) -> None:
        domain, https = link_base()
        form.save(domain_override=domain, use_https=bool(https) if https is not None else self.request.is_secure(),
                  email_template_name=self.email_template_name,
                  subject_template_name=self.subject_template_name,
                  from_email=settings.DEFAULT_FROM_EMAIL, request=self.request,
                  token_generator=self.token_generator)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_sent.html"


class ChooseNewPasswordForm(auth_forms.SetPasswordForm):
    pass


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class ChooseNewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = ChooseNewPasswordForm
    template_name = "accounts/password_choose.html"
    success_url = reverse_lazy("password-reset-complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            # Setting the password voids the link and ends every session of the account
            # (Django's session hash covers the password).
            audit_record(action="change", request=self.request, user=self.user, obj=self.user,
                         detail={"password": "reset by email link"})
        return response


password_forgot = ForgotPasswordView.as_view()
password_sent = require_GET(PasswordResetSentView.as_view())
password_choose = ChooseNewPasswordView.as_view()
password_complete = require_GET(auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_complete.html"))

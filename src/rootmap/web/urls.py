"""Rootmap's URLs. Every URL here must have a row in the access matrix test."""

from django.urls import include, path

urlpatterns: list = [
    # Sign-in with a second factor, sign-out (names `login`, `logout`), the audit log and
    # the de-identified research export.
    path("", include("rootmap.web.accounts.urls")),
    path("", include("rootmap.web.audit.urls")),
    path("", include("rootmap.web.privacy.urls")),
    path("", include("rootmap.web.clients.urls")),
    path("", include("rootmap.web.caregiving.urls")),
    path("", include("rootmap.web.assessments.urls")),
    path("", include("rootmap.web.sources.urls")),
    path("", include("rootmap.web.jobs.urls")),
    # The REST API at /api/v1/ and the API token pages.
    path("", include("rootmap.web.api.urls")),
]

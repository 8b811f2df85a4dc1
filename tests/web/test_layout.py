"""The page layout every page shares: sign-in required, who is signed in, demo mode."""

from __future__ import annotations

import pytest
from django.test import Client as Browser
from django.urls import reverse

from tests.web.org_fixtures import *  # noqa: F403


def test_it_sends_an_anonymous_visitor_to_sign_in(db):
    response = Browser().get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_sign_in_page_renders(db):
    response = Browser().get(reverse("login"))
    assert response.status_code == 200
    assert b'lang="en"' in response.content
    assert b"Sign in" in response.content


def test_it_shows_the_user_organisation_and_role(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("home")).content.decode()
    assert "Rootmap" in page
    assert "cleo" in page and "Riverside Family Services" in page and "Clinician" in page
    assert 'id="main"' in page and 'href="#main"' in page
    assert "Audit log" not in page  # only admins


def test_it_shows_the_audit_log_link_to_admins_only(client, admin):
    client.force_login(admin)
    assert "Audit log" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("demo", [True, False])
def test_it_shows_demo_mode_on_every_page_when_on(client, clinician, settings, demo):
    settings.DEMO_MODE = demo
    client.force_login(clinician)
    for name in ("home", "household-list"):
        assert ("Demo mode" in client.get(reverse(name)).content.decode()) is demo


def test_it_serves_its_own_static_assets(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("home")).content.decode()
    assert "/static/rootmap/htmx.min.js" in page and "/static/rootmap/app.css" in page
    assert "https://" not in page.split("</head>")[0]  # nothing fetched from elsewhere


@pytest.mark.parametrize("path", ["/static/rootmap/app.css", "/static/rootmap/htmx.min.js"])
def test_the_static_assets_are_served_by_the_application(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) if response.streaming else response.content

"""Bad input: Hypothesis throws malformed and hostile values at every form and at the
case-file import. Each gets an answer, never a server error; what is refused stores
nothing; what is shown back is escaped.

The forms are found from the access matrix (every POST row) and from the pages that
hold them, so a new form is fuzzed as soon as it has a row.
"""

from __future__ import annotations

import copy
import io
import json
import re
import signal
from contextlib import contextmanager
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError, case_file_import
from tests.web.security_fixtures import example
from tests.web.test_access_matrix import MATRIX, Row, _browser_for, build_matrix_world

# No shrinking: a failing example is reported as found (a slow one would be re-run for minutes).
FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SCRIPT = "<script>alert(1)</script>"
REQUEST_SECONDS = 10  # a form that takes longer on one value is a denial of service
HOSTILE_TEXT = [
    "", " ", "0", "-1", "6", "99999999999999999999999", "1e309", "NaN", "inf", "-0", "3.5",
    "2025-02-30", "0000-00-00", "9999-12-31", "1900-01-01", "2025-13-01", "31/12/2024",
    "' OR 1=1 --", "\"; DROP TABLE clients_client; --", SCRIPT, "{{ 7*7 }}", "%s%s%n",
    "\x00", "nul\x00inside", "\u202eevil", "😀" * 50, "a" * 5000, "../../etc/passwd",
    "null", "true", "[]", "{}", "functioning.sleep", "history.perinatal.adversity",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=60))

# Where a POST-only URL's form lives.
FORM_PAGE = {
    "assessment-field": "assessment-edit",
    "household-save": "household-detail",
    "household-preview": "household-detail",
    "household-add-client": "household-detail",
    "household-add-other": "household-detail",
    "household-what-if": "household-detail",
}
# Sign-in and sign-out are fuzzed on their own below; the rest as an admin of the organisation.
POST_ROWS = [row for row in MATRIX if row.method == "POST" and row.name not in ("logout",)]


def _field_names(html: str) -> list[str]:
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html))
    return sorted(names - {"csrfmiddlewaretoken"})


def _counts() -> dict[str, int]:
    skip = {"audit.auditentry", "audit.audithead", "sessions.session", "axes.accesslog",
            "axes.accessattempt", "axes.accessfailurelog", "otp_totp.totpdevice"}
    return {m._meta.label_lower: m.objects.count() for m in apps.get_models()
            if m._meta.label_lower not in skip}


def _records(world) -> list[Any]:
    rows = []
    for model, pk in ((Client, world.client.pk), (Assessment, world.draft.pk),
                      (Assessment, world.final.pk)):
        rows.append(model.objects.filter(pk=pk).values().first())
    from rootmap.web.caregiving.models import Household

    rows.append(Household.objects.filter(pk=world.household.pk).values().first())
    return rows


class TookTooLong(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Fail, rather than hang the suite, when a value sends the server into a long loop."""
    def interrupt(signum, frame):
        raise TookTooLong(f"the request took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _post_in_time(browser: HttpClient, url: str, data: dict[str, Any]):
    too_long = False
    try:
        with _time_limit(REQUEST_SECONDS):
            return browser.post(url, data)
    except TookTooLong:
        too_long = True
    finally:
        if too_long:  # outside the except block: no traceback of the interrupted loop
            shown = {k: (v[:30] if isinstance(v, str) else v) for k, v in list(data.items())[:6]}
            pytest.fail(f"POST {url} took more than {REQUEST_SECONDS} s (a denial of service); "
                        f"data began {shown!r}", pytrace=False)


def _check_response(response, before, world) -> None:
    assert response.status_code < 500, response.status_code
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    assert "Traceback" not in body
    assert SCRIPT not in body, "hostile input was shown back unescaped"
    if 400 <= response.status_code < 500:
        # Refused: nothing stored, not even part of it.
        counts, records = before
        assert _counts() == counts, f"refused with {response.status_code}, yet rows were added or removed"
        assert _records(world) == records, (
            f"refused with {response.status_code}, yet a record changed (stored half-way)")


@pytest.mark.django_db
@pytest.mark.parametrize("row", POST_ROWS, ids=lambda r: f"POST {r.name}")
def test_every_form_answers_hostile_input_without_a_server_error(row: Row) -> None:
    world = build_matrix_world()
    actor = "admin"
    browser = _browser_for(world, actor)
    url = reverse(row.name, kwargs=row.kwargs(world))
    page_name = FORM_PAGE.get(row.name, row.name)
    page = browser.get(reverse(page_name, kwargs=row.kwargs(world)))
    names = _field_names(page.content.decode()) if page.status_code == 200 else []
    names = sorted(set(names) | set(row.data(world)) | {"revision", "_field", "action"})

    # First every hostile value in every field at once, then Hypothesis's mixtures.
    for value in HOSTILE_TEXT:
        with transaction.atomic():
            before = (_counts(), _records(world))
            response = _post_in_time(browser, url, {**row.data(world), **dict.fromkeys(names, value)})
            _check_response(response, before, world)
            transaction.set_rollback(True)

    @FUZZ
    @given(values=st.dictionaries(st.sampled_from(names), st.one_of(
        hostile_text, st.lists(hostile_text, min_size=2, max_size=3)), max_size=8))
    def post(values: dict[str, Any]) -> None:
        with transaction.atomic():
            before = (_counts(), _records(world))
            response = _post_in_time(browser, url, {**row.data(world), **values})
            _check_response(response, before, world)
            transaction.set_rollback(True)

    post()


@pytest.mark.django_db
def test_sign_in_answers_hostile_input_without_a_server_error() -> None:
    build_matrix_world()
    browser = HttpClient()

    @FUZZ
    @given(username=hostile_text, password=hostile_text, next_url=hostile_text)
    def post(username: str, password: str, next_url: str) -> None:
        response = browser.post(reverse("login"), {"username": username, "password": password,
                                                   "next": next_url})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"].startswith("/")

    post()


@pytest.mark.django_db
def test_the_audit_filters_answer_hostile_input_without_a_server_error() -> None:
    world = build_matrix_world()
    browser = _browser_for(world, "admin")

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(["actor", "action", "client", "date_from",
                                                  "date_to", "page"]), hostile_text, max_size=6))
    def get(query: dict[str, str]) -> None:
        response = browser.get(reverse("audit-log"), query)
        assert response.status_code == 200
        assert SCRIPT not in response.content.decode()

    get()


# --- The case-file import -----------------------------------------------------------------

def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replace(document: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copied = copy.deepcopy(document)
    target = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copied


VALID = example("school-age-foster.json")
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
              st.floats(allow_nan=False, allow_infinity=False), hostile_text),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(hostile_text, children, max_size=4)),
    max_leaves=12,
)
broken_case_files = st.one_of(
    # A valid file with one value anywhere replaced by something hostile.
    st.tuples(st.sampled_from(_paths(VALID)), json_values).map(lambda pv: _replace(VALID, *pv)),
    # A valid file with one key removed.
    st.sampled_from([p for p in _paths(VALID) if p and isinstance(p[-1], str)]).map(
        lambda p: _replace(VALID, p[:-1], {k: v for k, v in _get(VALID, p[:-1]).items() if k != p[-1]})),
    # Anything at all.
    json_values,
)


def _get(document: Any, path: tuple) -> Any:
    for step in path:
        document = document[step]
    return document


@pytest.mark.django_db
def test_the_case_file_import_refuses_broken_files_cleanly_and_stores_nothing() -> None:
    world = build_matrix_world()
    org = world.users["admin"].organisation

    @FUZZ
    @given(data=broken_case_files)
    def attempt(data: Any) -> None:
        with transaction.atomic():
            clients, assessments = Client.objects.count(), Assessment.objects.count()
            try:
                client = case_file_import(organisation=org, user=world.users["admin"], data=data)
            except ClientInputError as error:
                assert error.problems and all(str(p) for p in error.problems)
                assert (Client.objects.count(), Assessment.objects.count()) == (clients, assessments)
            else:
                # Whatever was accepted was stored whole: the client and all its assessments.
                assert client.assessments.count() == len(data["assessments"])
            transaction.set_rollback(True)

    attempt()


@pytest.mark.django_db
def test_the_import_page_answers_broken_uploads_with_a_message() -> None:
    world = build_matrix_world()
    browser = _browser_for(world, "admin")

    raw_uploads = st.one_of(
        broken_case_files.map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=200),
        st.sampled_from([b"", b"\xff\xfe\x00", b"{", b"[]", b"null", SCRIPT.encode()]),
    )

    @FUZZ
    @given(content=raw_uploads)
    def upload(content: bytes) -> None:
        with transaction.atomic():
            clients, assessments = Client.objects.count(), Assessment.objects.count()
            file = io.BytesIO(content)
            file.name = "case.json"
            response = browser.post(reverse("client-import"), {"case_file": file})
            assert response.status_code in (200, 302, 400, 422), response.status_code
            body = response.content.decode("utf-8", "replace")
            assert SCRIPT not in body
            if response.status_code != 302:
                assert (Client.objects.count(), Assessment.objects.count()) == (clients, assessments)
                assert "errorlist" in body or "problem" in body.lower()
            transaction.set_rollback(True)

    upload()

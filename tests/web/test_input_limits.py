"""Input no database stores alike is refused first, naming the field (docs/decisions/0010).

The fuzz test (test_fuzz_forms.py) throws these at every form; here each rule is shown
once, with the message a person sees.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from rootmap.cli import main
from rootmap.web.clients.models import Client
from tests.web.security_fixtures import example
from tests.web.test_access_matrix import _browser_for, build_matrix_world


@pytest.fixture
def world():
    return build_matrix_world()


def _autosave(browser, world, field: str, body: bytes):
    return browser.post(reverse("assessment-field", args=[world.draft.pk]), body,
                        content_type="application/x-www-form-urlencoded")


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "problem"), [
    (b"%ED%A0%80", "not UTF-8"),           # a lone surrogate, as bytes
    (b"caf%E9", "not UTF-8"),              # Latin-1
    (b"nul%00inside", "control character (U+0000)"),
    (b"esc%1B%5B2J", "control character (U+001B)"),
])
def test_a_form_field_that_cannot_be_stored_is_refused_with_400_naming_it(world, raw: bytes, problem: str) -> None:
    browser = _browser_for(world, "clinician")
    body = b"_field=interests&revision=" + str(world.draft.revision).encode() + b"&interests=" + raw
    response = _autosave(browser, world, "interests", body)
    assert response.status_code == 400
    text = response.content.decode()
    assert "<b>interests</b>" in text and problem in text and "Nothing was saved" in text
    world.client.refresh_from_db()
    assert world.client.interests == example("school-age-foster.json").get("interests", [])


@pytest.mark.django_db
def test_tabs_and_line_breaks_are_text(world) -> None:
    browser = _browser_for(world, "clinician")
    body = b"_field=interests&revision=0&interests=drums%09and%20bass%0D%0Achess"
    response = _autosave(browser, world, "interests", body)
    assert response.status_code == 200
    world.client.refresh_from_db()
    assert world.client.interests == ["drums\tand bass", "chess"]


@pytest.mark.django_db
def test_a_multipart_field_that_is_not_utf8_is_refused_but_a_binary_file_part_is_not_judged(world) -> None:
    browser = _browser_for(world, "admin")
    boundary = "b0undary"
    bad_field = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"display_name\"\r\n\r\n").encode() \
        + b"\xff\xfe" + f"\r\n--{boundary}--\r\n".encode()
    response = browser.post(reverse("client-create"), bad_field,
                            content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and "<b>display_name</b>" in response.content.decode()

    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    upload.name = "case.json"
    response = browser.post(reverse("client-import"), {"case_file": upload})
    # The file reaches its own reader, which says what is wrong with it.
    assert response.status_code == 200
    assert "is not UTF-8 text" in response.content.decode()


@pytest.mark.django_db
def test_a_query_string_that_is_not_utf8_is_refused(world) -> None:
    browser = _browser_for(world, "admin")
    response = browser.get(reverse("home") + "?q=%FF%FE")
    assert response.status_code == 400 and "<b>q</b>" in response.content.decode()


@pytest.mark.django_db
def test_more_interests_than_a_case_file_holds_are_refused(world) -> None:
    browser = _browser_for(world, "clinician")
    many = ",".join(f"interest {n}" for n in range(51))
    response = browser.post(reverse("assessment-field", args=[world.draft.pk]),
                            {"_field": "interests", "interests": many, "revision": world.draft.revision})
    assert response.status_code == 422
    assert "at most 50" in response.content.decode()
    assert len(Client.objects.get(pk=world.client.pk).interests) <= 50


def test_the_command_line_refuses_deep_huge_and_undecodable_files(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "deep.json": (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        "digits.json": (b'{"format": "rootmap-case/1", "x": ' + b"9" * 5000 + b"}", "5000 digits"),
        "latin1.json": ('{"format": "rootmap-case/1", "client": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
        "huge.json": (b" " * (5 * 1024 * 1024 + 1), "at most 5 MB"),
        "surrogate.json": (json.dumps({**example("school-age-foster.json"),
                                       "interests": ["\ud800"]}).encode(), "lone UTF-16 surrogate"),
    }
    for name, (content, _expected) in files.items():
        (tmp_path / name).write_bytes(content)
    for name, (_content, expected) in files.items():
        assert main(["score", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert expected in err, (name, err)
        assert "Traceback" not in err


@pytest.mark.django_db
def test_a_forged_row_count_on_the_events_page_is_refused_without_building_the_forged_rows(world) -> None:
    browser = _browser_for(world, "admin")
    response = browser.post(reverse("client-events", args=[world.client.pk]), {
        "events-TOTAL_FORMS": "9223372036854775808", "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "30"})
    page = response.content.decode()
    assert response.status_code in (200, 400) and "Traceback" not in page
    assert "Please submit at most 30 forms" in page
    assert 'name="events-29-category"' not in page  # the rows shown are the page's own
    world.client.refresh_from_db()
    assert len(world.client.events) == len(example("school-age-foster.json")["events"])

"""Every URL name the code and templates ask for exists (no name kept "for later").

A name that does not resolve is either a NoReverseMatch at run time or, where code used
to guard against it, a silent fallback to a guessed path: both are scaffolding.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import get_resolver

SRC = Path(__file__).resolve().parents[2] / "src" / "rootmap"

# {% url 'name' ... %} in templates; reverse("name"), redirect("name"), reverse_lazy("name") in code.
TEMPLATE_NAME = re.compile(r"""\{%\s*url\s+['"]([\w:-]+)['"]""")
CODE_NAME = re.compile(r"""\b(?:reverse|reverse_lazy|redirect)\(\s*['"]([\w:-]+)['"]""")


def _names_used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in SRC.rglob("*"):
        if path.suffix == ".html":
            found = TEMPLATE_NAME.findall(path.read_text(encoding="utf-8"))
        elif path.suffix == ".py":
            # redirect("/path/") is a path, not a name: only names without a slash count.
            found = [n for n in CODE_NAME.findall(path.read_text(encoding="utf-8")) if "/" not in n]
        else:
            continue
        for name in found:
            used.setdefault(name, set()).add(str(path.relative_to(SRC)))
    return used


def test_the_scan_finds_the_names_the_pages_use():
    used = _names_used()
    # Names worked out by reading the templates and views: if the scan missed them, it
    # would pass for any code.
    for name in ("assessment-results", "client-detail", "household-detail", "login"):
        assert name in used, name


def _exists(name: str) -> bool:
    """Whether `name` ("name" or "namespace:name") is a URL name of the project."""
    *namespaces, last = name.split(":")
    resolver = get_resolver()
    for namespace in namespaces:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return last in {key for key in resolver.reverse_dict if isinstance(key, str)}


def test_every_url_name_used_exists():
    missing = {name: sorted(where) for name, where in _names_used().items() if not _exists(name)}
    assert missing == {}
    assert not _exists("client") and not _exists("client-edit-events")  # the old guesses
